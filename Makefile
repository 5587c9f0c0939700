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
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

bench: $(STAMP)
	$(PY) -m pytest tests/bench -m bench -s $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3* var/broker var/staticfiles
