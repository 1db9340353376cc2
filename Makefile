# Two commands do all set-up (see README): `make demo` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin

.PHONY: demo serve test lint bench browser postgres java clean

demo: $(VENV)/.installed
	$(BIN)/salesvelocity demo

# The team edition on the demo company (after `make demo`): http://127.0.0.1:8000, Ctrl+C stops it.
serve: $(VENV)/.installed
	$(BIN)/salesvelocity serve

test: $(VENV)/.installed browser postgres java
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check salesvelocity tests benchmarks

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/import_1m.py
	$(BIN)/python benchmarks/import_mapped.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/trend.py
	$(BIN)/python benchmarks/forecast.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/backends.py --deals 100000
	$(BIN)/python benchmarks/web.py --deals 100000 --clients 20 --seconds 60

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# Browser tests drive Debian's Chromium; install it when missing (needs root, as on CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' (browser tests need /usr/bin/chromium)"; exit 1; fi; }

# Server-mode tests start a private PostgreSQL server from Debian's binaries; install them when missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL is missing: run 'sudo apt-get install postgresql' (server-mode tests start a private server)"; exit 1; fi; }

# The Spark tests run a local Spark session, which needs a Java runtime (17 or newer).
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else echo "Java is missing: run 'sudo apt-get install openjdk-17-jre-headless' (the Spark tests need it)"; exit 1; fi; }

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache salesvelocity.duckdb salesvelocity-report.html
