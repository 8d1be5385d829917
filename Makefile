# Two commands matter: `make demo` (run the platform on SQLite with demo data) and
# `make test` (the whole default suite). Everything else is a step they call.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The statute texts `make demo` imports once for statute search, when they are there (README: Data).
LAWS ?= ../shared/data/legal/national_corpus.jsonl

.PHONY: demo test check test-slow test-browser install static run clean

$(BIN)/lianxin: pyproject.toml
	@echo "install: creating $(VENV) and installing Lianxin with its test tools (a few minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@echo "install: warming the funds tracing engine's compiled loops (numba, once; about 15 s)"
	@# Index a tiny generated ledger once, so numba compiles the index build's loops into its
	@# disk cache now rather than on the first real `lianxin ledger index` (7-14 s once).
	@tmp=$$(mktemp -d) && $(BIN)/lianxin ledger generate -o $$tmp --accounts 500 --transfers 5000 --flows 5 \
		--days 3 >/dev/null && $(BIN)/lianxin ledger index $$tmp/ledger.parquet -o $$tmp/index >/dev/null; \
		rc=$$?; rm -rf $$tmp; exit $$rc
	touch $(BIN)/lianxin

install: $(BIN)/lianxin

# Front-end libraries (npm) copied into lianxin/static/vendor by lianxin.core.vendor.
static: install
	@echo "static: copying the map, chart and htmx libraries from npm into lianxin/static/vendor"
	$(BIN)/python -m lianxin.core.vendor

# The demo runs in demo mode (LIANXIN_DEMO=1): debug on, the repository's public keys, a
# banner on every page. Production (no LIANXIN_DEMO) refuses to start with those keys.
demo: export LIANXIN_DEMO = 1
demo: install static
	$(BIN)/lianxin migrate --no-input
	$(BIN)/lianxin seed_demo
	@if [ -e var/lawindex ]; then :; \
	elif [ -f "$(LAWS)" ]; then \
		echo "demo: importing the statute texts from $(LAWS) for the legal consultation (once; about 40 s)"; \
		$(BIN)/lianxin laws import "$(LAWS)"; \
	else \
		echo "demo: no statute texts at $(LAWS); statute search stays empty until 'lianxin laws import FILE' (README: Data)"; \
	fi
	@echo "Lianxin is at http://$(HOST):$(PORT)/  (demo mode; demo users and password: see README)"
	$(BIN)/uvicorn lianxin.asgi:application --host $(HOST) --port $(PORT) --lifespan off

# The house checks: lint and format (ruff), types (mypy), no missing migration. The layering
# test (tests/test_layering.py) runs with the suites.
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	LIANXIN_DEMO=1 $(BIN)/lianxin makemigrations --check --dry-run

test: check
	$(BIN)/pytest -m "not slow and not browser" $(PYTEST_ARGS)

# pytest exits 5 when it collects no test: not a failure for a marker that has none yet.
NO_TESTS_IS_OK = rc=$$?; if [ $$rc -eq 5 ]; then echo "(no tests with this marker yet)"; exit 0; fi; exit $$rc

test-slow: install
	$(BIN)/pytest -m "slow" $(PYTEST_ARGS); $(NO_TESTS_IS_OK)

test-browser: install static
	$(BIN)/pytest -m "browser" $(PYTEST_ARGS); $(NO_TESTS_IS_OK)

clean:
	rm -rf $(VENV) var staticfiles
