# The two commands of the README:
#   make run   - set everything up and run the site on the embedded default (SQLite, local files, demo data)
#   make test  - set everything up and run all tests (SQLite; PostgreSQL too when MELDPUNT_TEST_DATABASE_URL is set)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := meldpunt

.PHONY: run test setup translations test-sqlite test-postgres test-browser lint clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) translations

# Catalogues compile as part of the build; fuzzy entries are never used (the tests refuse them).
translations: $(STAMP)
	$(BIN)/pybabel -q compile -d meldpunt/translations

# The demo data's campaign gets a label on `make run` (set your own list in MELDPUNT_CAMPAIGNS).
run: export MELDPUNT_CAMPAIGNS ?= poster-2026=Postercampagne (demo)
# Reminders about urgent and long-unhandled reports go to the demo coordinator (in the mail sink).
run: export MELDPUNT_COORDINATOR_EMAILS ?= demo@meldpunt.example
# Demo notice addresses per partner route: forwarding notices then show in the demo's mail sink.
run: export MELDPUNT_PARTNER_EMAILS ?= riec=riec@partner.example,politie=politie@partner.example,arbeidsinspectie=arbeidsinspectie@partner.example,gemeente_handhaving=handhaving@partner.example,gemeente_sociaal=sociaal@partner.example,belastingdienst=belastingdienst@partner.example,kansspelautoriteit=ksa@partner.example,omgevingsdienst=omgevingsdienst@partner.example,integriteit=integriteit@partner.example
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo ""
	@echo "  Meldpunt ondermijning runs at http://$(HOST):$(PORT)/"
	@echo "  Reporter form: http://$(HOST):$(PORT)/melden   Back office: http://$(HOST):$(PORT)/beheer"
	@echo "  Scheduled jobs run in one 'flask scheduler' process next to gunicorn."
	@if [ -z "$$MELDPUNT_RATELIMIT_STORAGE_URL" ] && [ "$${WORKERS:-2}" -gt 1 ]; then \
		echo "  Rate limits are counted per worker here (in memory): with $${WORKERS:-2} workers a client"; \
		echo "  gets up to $${WORKERS:-2} times each limit. Set MELDPUNT_RATELIMIT_STORAGE_URL=redis://... to share them."; \
	fi
	@echo ""
	BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) sh scripts/run-dev.sh

# Tests run in parallel (pytest-xdist): one worker per CPU, each with its own
# database, temporary folders, ports and browser (tests/conftest.py).
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider -n auto

test: setup
	$(MAKE) lint
	sh scripts/ensure-system-packages.sh
	$(PYTEST) -m "not browser" tests
	@if [ -n "$$MELDPUNT_TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		$(PYTEST) -m "not browser" tests; \
	else echo "MELDPUNT_TEST_DATABASE_URL not set: PostgreSQL pass skipped"; fi
	$(PYTEST) --dist loadfile -m browser tests || [ $$? -eq 5 ]

# Static checks (settings in pyproject.toml); each must pass before the tests run.
lint: setup
	$(BIN)/ruff check meldpunt triage tests bench
	$(BIN)/mypy
	$(BIN)/bandit -q -r meldpunt triage -c pyproject.toml

clean:
	rm -rf $(VENV) instance .pytest_cache
