# Klantspiegel — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
# Another port when 5000 is taken: make run PORT=5001
PORT   ?= 5000
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app maturity
STAMP  := $(VENV)/.installed

.PHONY: run test setup syslibs translations messages db demo clean screenshots oidc

run: setup db
	@$(FLASK) demo --if-empty
	@echo "Klantspiegel runs on http://127.0.0.1:$(PORT)  (Ctrl+C stops it)"
	@# The worker (mail, reports, schedule) runs beside the web server, on the embedded SQLite queue.
	@$(FLASK) worker >instance/worker.log 2>&1 & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The house's arrows first (import-linter contracts in pyproject.toml), then every test.
test: setup
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest $(PYTEST_ARGS)

# The README's pictures, taken by the browser journey itself (needs Debian's chromium).
screenshots: setup
	SCREENSHOTS=docs/screens REQUIRE_BROWSER=1 $(PY) -m pytest -q tests/browser/test_journeys.py -k new_client

setup: syslibs $(STAMP) translations oidc

syslibs:
	@$(PYTHON) scripts/check_system.py

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	@touch $(STAMP)

# The OpenID provider the SSO tests sign in at (tests/oidc, pinned by its lock file), once, when
# npm is there; without npm, setup goes on and the SSO tests skip (REQUIRE_OIDC=1 makes them fail).
oidc:
	@if [ ! -d tests/oidc/node_modules ] && command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error || echo "npm ci in tests/oidc failed: the SSO tests will skip"; \
	fi

# Compiled catalogues are build output (not committed); tests prove the .po files are current.
translations: $(STAMP)
	@$(VENV)/bin/pybabel compile -d maturity/translations >/dev/null

# Re-extract messages after changing UI strings, then translate the new Dutch entries.
# N_ marks the core's messages (maturity/core/messages.py), put into a language outside the core;
# sentences naming the customer (customer_gettext, NC_) get an entry per customer word.
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o maturity/translations/messages.pot --no-location --sort-output --project Klantspiegel --copyright-holder Klantspiegel .
	$(VENV)/bin/python scripts/customer_contexts.py
	$(VENV)/bin/pybabel update -i maturity/translations/messages.pot -d maturity/translations --no-wrap --no-fuzzy-matching --ignore-obsolete

db: setup
	@$(FLASK) db upgrade

clean:
	rm -rf $(VENV) instance
