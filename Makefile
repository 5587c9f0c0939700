# dressdb: two commands. `make run` (demo app) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make run: SQLite + embedded broker, demo sites and users, web + worker + beat.
run: $(STAMP)
	DRESSDB_DEMO=1 $(PY) manage.py migrate --noinput
	DRESSDB_DEMO=1 $(PY) manage.py seed_demo
	DRESSDB_DEMO=1 PY=$(PY) bash scripts/run-dev.sh

## make test: ruff, mypy, makemigrations --check, then pytest.
test: $(STAMP) lint typecheck
	$(PY) manage.py makemigrations --check --dry-run
	$(run_pytest)

## make pytest: the unit tests on PYTEST_WORKERS processes (pytest-xdist, a test module
## stays on one worker so its shared rows are built once), then the tests that need a
## service in one process: they share one broker, one browser and the database roles.
## PYTEST_ARGS goes to both runs; a run that selects nothing (exit 5) is not a failure.
PYTEST_WORKERS ?= 2
UNIT_TESTS := not browser and not postgres and not redis and not bench
SERVICE_TESTS := (browser or postgres or redis) and not bench
define run_pytest
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope -m "$(UNIT_TESTS)" $(PYTEST_ARGS) \
		|| test $$? -eq 5
	$(PY) -m pytest -m "$(SERVICE_TESTS)" $(PYTEST_ARGS) || test $$? -eq 5
endef

pytest: $(STAMP)
	$(run_pytest)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

## make bench: benchmarks on PostgreSQL (DATABASE_URL, default the local server).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dressdb_bench
bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} DRESSDB_REQUIRE_SERVICES=1 \
		$(PY) -m pytest tests/bench -m bench -s -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3* var/broker var/staticfiles
