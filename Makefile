# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv (if needed) and installs what it needs into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test venv bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(BIN)/valuegrad xor
	$(BIN)/valuegrad worked-example

# Lint, format check and strict type check first (each takes seconds), then the suite.
test: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks

# The documentation site, built into site/ (CI adds DOCSFLAGS=--strict: warnings are errors).
docs: venv
	$(BIN)/pip install --quiet -e ".[docs]"
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build $(DOCSFLAGS)

clean:
	rm -rf $(VENV) build *.egg-info site
