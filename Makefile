# Two commands: `make up` runs the product, `make test` runs every test that can run here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=

.PHONY: up test install install-test lint messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Orkesteri needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

install: $(VENV)/.installed messages
install-test: $(VENV)/.installed-test messages

messages: $(VENV)/.installed
	@$(BIN)/pybabel compile -d locale -D django >$(VENV)/messages.log 2>&1 || { cat $(VENV)/messages.log; exit 1; }

up: install
	$(BIN)/orkesteri up --host $(HOST) --port $(PORT) $(ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install-test lint
	$(BIN)/pytest $(ARGS)

clean:
	rm -rf $(VENV) var
