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
	@# Index a tiny generated ledger once, so numba compiles the index build's loops into its
	@# disk cache now rather than on the first real `lianxin ledger index` (7-14 s once).
	@tmp=$$(mktemp -d) && $(BIN)/lianxin ledger generate -o $$tmp --accounts 500 --transfers 5000 --flows 5 \
		--days 3 >/dev/null && $(BIN)/lianxin ledger index $$tmp/ledger.parquet -o $$tmp/index >/dev/null; \
		rc=$$?; rm -rf $$tmp; exit $$rc
	touch $(BIN)/lianxin

install: $(BIN)/lianxin

# Front-end libraries (npm) copied into lianxin/static/vendor by lianxin.core.vendor;
# pages still render (without map and charts) on a checkout that has no vendor step yet.
static: install
	@if $(BIN)/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('lianxin.core.vendor') is None)"; \
	then $(BIN)/python -m lianxin.core.vendor; \
	else echo "static: lianxin.core.vendor is not in this checkout; no front-end libraries to copy"; fi

demo: install static
	$(BIN)/lianxin migrate --no-input
	$(BIN)/lianxin seed_demo
	@echo "Lianxin is at http://$(HOST):$(PORT)/  (demo users and password: see README)"
	$(BIN)/uvicorn lianxin.asgi:application --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest -m "not slow and not browser" $(PYTEST_ARGS)

# pytest exits 5 when it collects no test: not a failure for a marker that has none yet.
NO_TESTS_IS_OK = rc=$$?; if [ $$rc -eq 5 ]; then echo "(no tests with this marker yet)"; exit 0; fi; exit $$rc

test-slow: install
	$(BIN)/pytest -m "slow" $(PYTEST_ARGS); $(NO_TESTS_IS_OK)

test-browser: install static
	$(BIN)/pytest -m "browser" $(PYTEST_ARGS); $(NO_TESTS_IS_OK)

clean:
	rm -rf $(VENV) var staticfiles
