# The two commands: `make run` (one nightly run end to end on the embedded default) and `make test`.
# Both create .venv at the repository root and install the project there, pinned by constraints.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test eval ui stop clean benchmarks

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==26.3"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/vnict run

test: install
	$(BIN)/pytest

eval: install
	$(BIN)/python eval/evaluate.py

ui: install
	$(BIN)/vnict ui

stop: install
	-$(BIN)/vnict mirror stop
	-$(BIN)/vnict db stop

benchmarks: install
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean: stop
	rm -rf .state
