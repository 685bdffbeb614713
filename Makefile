# The README's commands. `make demo` and `make test` each set up .venv first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_HOME ?= $(CURDIR)/.venv/prefect-home

.PHONY: setup demo test test-all lint clean

$(BIN)/runload: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

setup: $(BIN)/runload

demo: setup
	$(BIN)/runload demo --dir demo

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) demo test-artifacts .pytest_cache
