# The two commands a newcomer types: `make demo` and `make test`.
# Each builds .venv from scratch when it is missing or pyproject.toml changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install demo test typecheck bench fuzz clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/casetrail demo

# Lint and type-check first: make stops at the first command that fails.
test: $(INSTALLED)
	$(BIN)/ruff check .
	$(MAKE) typecheck
	$(BIN)/python -m pytest

# mypy follows no import hook, so it cannot see the editable install's mapping of the four
# folders to casetrail.*: it reads them through links laid out as the installed package.
TYPECHECK := build/typecheck
typecheck: $(INSTALLED)
	mkdir -p $(TYPECHECK)/casetrail
	for part in __init__.py __main__.py; do ln -sfn ../../../casetrail/$$part $(TYPECHECK)/casetrail/$$part; done
	for part in domain projections services adapters; do ln -sfn ../../../$$part $(TYPECHECK)/casetrail/$$part; done
	MYPYPATH=$(TYPECHECK) $(BIN)/mypy --strict -p casetrail -p benchmarks

# The ingest property test at length: about 10,000 input lines per store.
FUZZ_EXAMPLES ?= 600
fuzz: $(INSTALLED)
	rm -f .fuzz-tally
	CASETRAIL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) CASETRAIL_FUZZ_MIN_LINES=10 CASETRAIL_FUZZ_TALLY=.fuzz-tally \
		$(BIN)/python -m pytest -q tests/test_ingest_property.py --durations=0
	awk '{lines[$$1] += $$2; runs[$$1]++} END {for (s in lines) print s ": " runs[s] " examples, " lines[s] " lines"}' .fuzz-tally

bench: $(INSTALLED)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache .fuzz-tally casetrail-demo.*
