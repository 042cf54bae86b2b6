# make bench: gated vs dense vs naive vs OpenBLAS timings, callgrind counts and
# relMAC+gate for each shipped Fashion-MNIST model (tools/bench). Not part of
# `make check`. BENCH_JSON=1 prints JSON. Until trained models ship, a random
# 784-512-256-10 low-rank model from tools/make_big_model.py stands in.
BENCH_MODELS ?= $(or $(wildcard models/fashion_*.dg),$(B)/bench/big/big.dg models/demo.dg)

.PHONY: bench
bench: $(B)/tools/bench $(BENCH_MODELS)
	@$(B)/tools/bench $(if $(filter 1,$(BENCH_JSON)),--json) $(BENCH_MODELS)

$(B)/tools/bench: tools/bench/bench.c tests/common/emit_dir.c tests/common/emit_dir.h $(B)/libdgc.a
	@mkdir -p $(B)/tools
	$(CC) $(WARN) $(CFLAGS) -Icompiler -Itests/common -I$(B) -o $@ $< tests/common/emit_dir.c $(B)/libdgc.a $(LDLIBS)

$(B)/bench/big/big.dg: tools/make_big_model.py
	/usr/bin/python3 tools/make_big_model.py $(B)/bench/big
