# Helhed. Two commands matter: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
HELHED_PORT ?= 8000
export HELHED_DATA_DIR ?= $(CURDIR)/var
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test venv venv-dev frontend static migrate seed serve lint typecheck check-migrations pytest browser-deps clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

venv: $(UV)
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON) --quiet

venv-dev: $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet

frontend: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

## make demo: install everything, migrate SQLite, seed the synthetic municipality, serve at 127.0.0.1:$(HELHED_PORT)
demo: export HELHED_DEMO = 1
demo: venv frontend
	$(BIN)/helhed collectstatic --noinput -v0
	$(BIN)/helhed migrate --noinput -v0
	$(BIN)/helhed demo seed --if-empty
	$(BIN)/helhed demo users
	@echo "Helhed kører på http://127.0.0.1:$(HELHED_PORT)  (stop med Ctrl+C)"
	@# The background worker (absence imports uploaded on the page) runs beside the web server and stops with it.
	$(BIN)/helhed worker >"$(HELHED_DATA_DIR)/worker.log" 2>&1 & WORKER=$$!; \
	  trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn helhed.wsgi --bind 127.0.0.1:$(HELHED_PORT) --workers 2 --threads 4 --log-level warning

## make test: install what the tests need, then lint, type check, migration check and the whole suite
test: venv-dev frontend browser-deps lint typecheck check-migrations pytest

browser-deps:
	@command -v chromium >/dev/null 2>&1 || command -v /usr/bin/chromium >/dev/null 2>&1 || \
	  { echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); }

lint:
	$(BIN)/ruff check src benchmarks

typecheck:
	HELHED_TESTING=1 $(BIN)/mypy src/helhed

check-migrations:
	HELHED_TESTING=1 $(BIN)/helhed makemigrations --check --dry-run -v1

pytest:
	HELHED_TESTING=1 DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf var .venv .tools node_modules
