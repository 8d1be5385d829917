# Two commands matter: `make demo` (run the platform on SQLite with demo data) and
# `make test` (the whole default suite). Everything else is a step they call.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-slow test-browser install static run clean

$(BIN)/lianxin: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/lianxin

install: $(BIN)/lianxin

static: install
	$(BIN)/python -m lianxin.core.vendor

demo: install static
	$(BIN)/lianxin migrate --no-input
	$(BIN)/lianxin seed_demo
	@echo "Lianxin is at http://$(HOST):$(PORT)/  (demo users and password: see README)"
	$(BIN)/uvicorn lianxin.asgi:application --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest -m "not slow and not browser" $(PYTEST_ARGS)

test-slow: install
	$(BIN)/pytest -m "slow" $(PYTEST_ARGS)

test-browser: install static
	$(BIN)/pytest -m "browser" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
