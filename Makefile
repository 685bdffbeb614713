# The README's commands. `make demo` and `make test` each set up .venv first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_HOME ?= $(CURDIR)/.venv/prefect-home

.PHONY: setup demo install test test-quick lint clean

$(BIN)/runload: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

setup: $(BIN)/runload

demo: setup
	$(BIN)/runload demo --dir demo
	@echo "runload is in $(BIN)/: 'make install' puts it on your PATH (or: source $(BIN)/activate)"

# one command to use runload on your own files: a link in ~/.local/bin (on PATH on most systems)
INSTALL_DIR ?= $(HOME)/.local/bin
install: setup
	mkdir -p $(INSTALL_DIR)
	ln -sf $(CURDIR)/$(BIN)/runload $(INSTALL_DIR)/runload
	@case ":$$PATH:" in *":$(INSTALL_DIR):"*) echo "runload is ready: try 'runload --help'";; \
	  *) echo "add $(INSTALL_DIR) to your PATH (e.g. in ~/.profile), then try 'runload --help'";; esac

test: setup lint
	$(BIN)/python -m pytest

# the quick suite: everything but the cases marked slow (full corpus, browser, flows)
test-quick: setup
	$(BIN)/python -m pytest -m "not slow"

lint: setup
	$(BIN)/ruff check pipeline tests benchmarks

clean:
	rm -rf $(VENV) demo test-artifacts .pytest_cache
