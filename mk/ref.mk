# ref: shipped Fashion-MNIST models against their stored PyTorch outputs
# (tests/ref/ref_check.c). Each model must agree; each perturbed model
# (one weight changed, a gate threshold or k nudged) must be caught.
FASHION_DIR ?= /usr/share/datasets/fashion-mnist
REF_MODELS   = $(patsubst models/ref/%.npz,%,$(wildcard models/ref/*.npz))
.PHONY: ref
ref: dgc $(B)/tests/ref_check
	@set -e; img=$(FASHION_DIR)/t10k-images-idx3-ubyte.gz; \
	for m in $(REF_MODELS); do \
	  $(B)/tests/ref_check models/$$m.dg models/ref/$$m.npz $$img; \
	  for p in --perturb-weight --nudge-gate; do \
	    if [ $$p = --nudge-gate ] && ! grep -q 'gate ' models/$$m.dg; then continue; fi; \
	    rc=0; $(B)/tests/ref_check $$p models/$$m.dg models/ref/$$m.npz $$img >/dev/null 2>&1 || rc=$$?; \
	    if [ $$rc -ne 1 ]; then echo "ref: $$m $$p: exit $$rc, not the disagreement (1) it must cause"; exit 1; fi; \
	    echo "ref: $$m $$p: caught (the check fails, as it must)"; \
	  done; \
	done

$(B)/tests/ref_check: tests/ref/ref_check.c tests/common/emit_dir.c tests/common/emit_dir.h $(B)/libdgc.a
	@mkdir -p $(B)/tests
	$(CC) $(WARN) $(CFLAGS) -Icompiler -Itests/common -I$(B) -o $@ $< tests/common/emit_dir.c $(B)/libdgc.a $(LDLIBS)

CHECK_SUITES += ref
