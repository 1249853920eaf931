# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run demo test lint serve translations clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Anketa needs Python 3.11 or newer ($(PYTHON) is older)."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# The compiled catalogs (.mo, not in git) are built from the .po files whenever those change.
CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

%.mo: %.po | $(STAMP)
	$(BIN)/pybabel -q compile -f -i $< -o $@

## make run: set up (venv, migrations, questionnaires, first admin) and serve on SQLite.
run: $(STAMP) $(COMPILED)
	$(BIN)/anketa init
	$(BIN)/anketa run --host $(HOST) --port $(PORT)

## make demo: like run, with a clearly marked demo school and synthetic responses.
demo: $(STAMP) $(COMPILED)
	$(BIN)/anketa init
	$(BIN)/anketa demo
	$(BIN)/anketa run --host $(HOST) --port $(PORT)

## make test: the checks of `make lint`, then the whole suite on SQLite, then again on
## PostgreSQL when it is reachable (required in CI).
test: node_modules/.package-lock.json lint
	$(BIN)/pytest
	@if $(BIN)/python scripts/pg_ready.py "$(PG_URL)"; then \
		echo "== the suite again on PostgreSQL ($(PG_URL))"; \
		ANKETA_TEST_POSTGRES="$(PG_URL)" $(BIN)/pytest -m "not e2e"; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable at $(PG_URL); CI needs it."; exit 1; \
	else \
		echo "PostgreSQL is not reachable at $(PG_URL): skipped the PostgreSQL run."; \
	fi

# The browser tests' axe-core (package.json); without npm the accessibility test skips locally
# (in CI, where scripts/system-deps.sh installs npm, it fails instead).
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund; \
	else echo "npm is not installed: the accessibility test will skip (CI needs it)."; fi

## make serve: production server (gunicorn) on $(HOST):$(PORT); set DATABASE_URL, SECRET_KEY
## and ANKETA_BASE_URL (gunicorn.conf.py refuses to start without it).
WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1) + 1)')
serve: $(STAMP) $(COMPILED)
	@$(BIN)/gunicorn --config gunicorn.conf.py --check-config  # before touching the database
	$(BIN)/anketa db upgrade
	$(BIN)/anketa questionnaires load
	$(BIN)/gunicorn --config gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):$(PORT)

## make lint: ruff (lint and format check) and mypy, as the pre-commit hooks run them.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app

## make translations: extract every marked string (Python and templates) into
## app/translations/messages.pot, merge it into the catalogs (creating the Ukrainian one when it
## is missing) and compile them. Ukrainian is the source language: its msgstr stay empty.
## The dates are dropped and locations name only the file, so an unchanged app gives the same
## files (tests/test_translations.py extracts with these options and compares).
POT := app/translations/messages.pot
EXTRACT_OPTIONS := -F babel.cfg -k _l -k lazy_gettext -k N_ -k ngettext:1,2 --add-location=file --project=Anketa
UNDATE := sed -i.bak -e '/^"POT-Creation-Date: /d' -e '/^"PO-Revision-Date: /d'
translations: $(STAMP)
	$(BIN)/pybabel -q extract $(EXTRACT_OPTIONS) -o $(POT) .
	$(UNDATE) $(POT) && rm $(POT).bak
	@[ -f app/translations/uk/LC_MESSAGES/messages.po ] || \
		$(BIN)/pybabel -q init -i $(POT) -d app/translations -l uk
	$(BIN)/pybabel -q update -i $(POT) -d app/translations -l uk --no-fuzzy-matching --ignore-obsolete
	for po in app/translations/*/LC_MESSAGES/messages.po; do $(UNDATE) $$po && rm $$po.bak; done
	$(BIN)/pybabel -q compile -f -d app/translations

clean:
	rm -rf $(VENV) .pytest_cache
