# The two commands of the README, and the steps they are made of.
#   make run   start the product on its embedded defaults (SQLite + sandbox)
#   make test  the whole suite: lint, the extension's unit tests, pytest with the browser tests
#   make bench the benchmarks (they print figures and ratios; set DATABASE_URL for PostgreSQL)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
# Three test processes: most tests wait on HTTP, a browser or a database, so three keep two cores busy.
PYTEST_WORKERS ?= 3
PYTEST_ARGS ?=

.PHONY: run test bench lint install install-test browser node help

help:
	@echo "make run    start the backend (http://127.0.0.1:8000) and the sandbox (http://127.0.0.1:8001)"
	@echo "make test   run the whole test suite (set DATABASE_URL to test on PostgreSQL)"
	@echo "make bench  run the benchmarks (set DATABASE_URL to measure on PostgreSQL)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/meetings serve

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium at $(CHROMIUM). Install it (as root: apt-get install chromium)"; \
	    echo "or point CHROMIUM / MEETINGS_TEST_CHROMIUM at a Chromium binary."; exit 1; \
	  fi; \
	fi

# Node's test runner for the extension's pure logic.
node:
	@if ! command -v node >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's nodejs for the extension's unit tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null; \
	  else \
	    echo "The extension's unit tests need Node.js 18 or newer (as root: apt-get install nodejs)."; exit 1; \
	  fi; \
	fi

lint: install-test
	$(BIN)/ruff check backend tests bench
	$(BIN)/ruff format --check backend tests bench
	$(BIN)/lint-imports

bench: install-test
	$(BIN)/python -m bench.create
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.webhooks
	$(BIN)/python -m bench.manage_users

test: install-test browser node lint
	node --test tests/extension/
	MEETINGS_TEST_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
