# KAM Audit Workbench — the README's two commands: `make demo`, `make test`.
# `make demo` installs what the audit needs (runtime + the 'training' extra); `make test` adds the
# test tools. Both install the versions pinned in requirements/constraints.txt (`make lock`).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 \
                  || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/constraints.txt
STAMP := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.installed-test-stamp
SAMPLE ?= demo_ru

.PHONY: demo test install install-test lint bench notebooks samples lock clean

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)' \
	  || { echo "Python 3.11, 3.12 or 3.13 is required; found $$($(PYTHON) --version 2>&1) at $(PYTHON)."; \
	       echo "Run: make PYTHON=/path/to/python3.13 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c $(LOCK) -e ".[training]"
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -c $(LOCK) -e ".[test,training]"
	touch $(TEST_STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

## make demo: set up, then run the whole audit on the sample engagement (demo/$(SAMPLE))
demo: $(STAMP)
	$(BIN)/kam demo demo/$(SAMPLE) --sample $(SAMPLE)

## make test: lint, unit and end-to-end tests, and the committed notebooks under nbval
## (the long runs marked `slow` are left to `make test-slow`, which CI runs as well).
## The tests run on every core (pytest-xdist, TEST_WORKERS=auto; TEST_WORKERS=0 runs them in
## this process), a test file at a time per worker: a notebook's cells run in order, in one
## kernel; the engagements the session fixtures build are built once for all the workers.
TEST_WORKERS ?= auto
test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider \
	  -m "not slow" -n $(TEST_WORKERS) --dist loadfile --durations=25

## make test-slow: the long end-to-end and fault runs (kill -9, two runs at once, whole demos)
test-slow: $(TEST_STAMP)
	$(BIN)/python -m pytest tests -p no:cacheprovider -m slow --durations=10

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

## make bench: ingestion (2M lines), cleanup (200k records), P&L (10M lines), assignment (300 x 30), widget latency
bench: $(TEST_STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/pnl.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/cleanup.py
	$(BIN)/python bench/profitability.py
	$(BIN)/python bench/sizing.py
	$(BIN)/python bench/widgets.py

## make notebooks: re-execute the committed notebooks in place on the sample (their outputs)
notebooks: $(STAMP)
	for nb in notebooks/[0-9]*.ipynb; do \
	  $(BIN)/papermill "$$nb" "$$nb" --kernel python3 --cwd notebooks || exit 1; done
	$(BIN)/python -m kamlib.notebook.nbclean notebooks/*.ipynb

## make samples: regenerate data_samples/ with the deterministic generator
samples: $(STAMP)
	$(BIN)/python -m kamlib.training.samples data_samples/demo_ru --profile ru_1c --seed 42 --overwrite
	$(BIN)/python -m kamlib.training.samples data_samples/demo_en --profile en_clean --seed 42 --overwrite
	for lesson in vip top3 holding single_contact overstaffed capstone channels teams; do \
	  $(BIN)/python -m kamlib.training.samples data_samples/training_$$lesson --lesson $$lesson \
	    --seed 42 --overwrite || exit 1; done

## make lock: re-pin requirements/constraints.txt from a fresh venv (after changing pyproject.toml)
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --upgrade pip
	.lock-venv/bin/python -m pip install -q -c requirements/bounds.txt -e ".[test,training]"
	{ sed -n '/^#/p' $(LOCK); .lock-venv/bin/python -m pip freeze --exclude-editable \
	    | grep -v '^#'; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .lock-venv

clean:
	rm -rf demo .pytest_cache .ruff_cache
