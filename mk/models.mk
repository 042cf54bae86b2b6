# models: retrains the shipped Fashion-MNIST models (minutes, PyTorch; nobody
# needs it to build or test) and tests the PyTorch exporter.
PYTHON ?= /usr/bin/python3
.PHONY: models test-export
models:
	$(PYTHON) models/train/train.py all

test-export: dgc $(B)/tests/ref_check
	@$(PYTHON) models/train/test_export.py

CHECK_SUITES += test-export
