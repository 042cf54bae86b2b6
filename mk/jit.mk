# jit: the libtcc JIT, dgc run and dgc eval (issue 3, and the eval engine
# of issue 4). `make run-tests` is the scripted suite of both commands;
# `make e2e-models` checks every model under models/ and tests/ through
# gcc and the JIT against the interpreter; `make bench-jit` prints the JIT
# compile time of a big model and eval time per input under tcc and gcc -O2.
.PHONY: run-tests
run-tests: dgc
	@sh tests/run/run.sh ./dgc

CHECK_SUITES += run-tests

.PHONY: e2e-models
e2e-models: dgc $(B)/tests/e2e_models
	@$(B)/tests/e2e_models ./dgc

$(B)/tests/e2e_models: tests/e2e/e2e_models.c tests/common/emit_dir.c tests/common/emit_dir.h $(B)/libdgc.a
	@mkdir -p $(B)/tests
	$(CC) $(WARN) $(CFLAGS) -Icompiler -Itests/common -I$(B) -o $@ $< tests/common/emit_dir.c $(B)/libdgc.a $(LDLIBS)

CHECK_SUITES += e2e-models

# Figures, not a test: JIT compile time of a 784-512-256-10 model and the
# time per input under tcc and gcc -O2 (the same emitted C, the same inputs).
.PHONY: bench-jit
bench-jit: $(B)/tests/bench_jit $(B)/bench/big/big.dg
	@$(B)/tests/bench_jit $(B)/bench/big/big.dg
	@$(B)/tests/bench_jit models/demo.dg
	@$(B)/tests/bench_jit models/fashion_lowrank.dg

$(B)/tests/bench_jit: tests/bench/bench_jit.c tests/common/emit_dir.c tests/common/emit_dir.h $(B)/libdgc.a
	@mkdir -p $(B)/tests
	$(CC) $(WARN) $(CFLAGS) -Icompiler -Itests/common -I$(B) -o $@ $< tests/common/emit_dir.c $(B)/libdgc.a $(LDLIBS)
