# The REPL (compiler/repl*.c): scripted sessions with golden output, and a
# terminal test through tmux (line editing, completion, Ctrl-C, history).
.PHONY: repl repl-tty
repl: dgc
	@sh tests/repl/run.sh ./dgc

repl-tty: dgc
	@sh tests/repl/tty.sh ./dgc

CHECK_SUITES += repl repl-tty
