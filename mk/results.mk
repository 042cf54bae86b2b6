# results: docs/results.md from `dgc eval --json` over the shipped models
# (about a minute: each model runs the 10000 test images through the JIT);
# results-test checks tools/results.py on hand-written eval objects.
RESULT_MODELS = $(wildcard $(addprefix models/fashion_,$(addsuffix .dg,dense static lowrank self topk)))
.PHONY: results results-test
results: dgc
	$(PYTHON) tools/results.py --dgc ./dgc --data $(FASHION_DIR) -o docs/results.md $(RESULT_MODELS)

results-test:
	@PYTHON=$(PYTHON) sh tests/results/run.sh

CHECK_SUITES += results-test
