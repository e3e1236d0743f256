# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv (if needed) and installs what it needs into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test venv bench clean

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

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
