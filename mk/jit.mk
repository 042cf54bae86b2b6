# jit: the libtcc JIT, dgc run and dgc eval (issue 3, and the eval engine
# of issue 4). `make run-tests` is the scripted suite of both commands;
# `make e2e-models` checks every model under models/ and tests/ through
# gcc and the JIT against the interpreter; `make bench-jit` prints the JIT
# compile time of a big model and eval time per input under tcc and gcc -O2.
.PHONY: run-tests
run-tests: dgc
	@sh tests/run/run.sh ./dgc

CHECK_SUITES += run-tests
