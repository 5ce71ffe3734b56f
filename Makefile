# Two commands do all set-up on a fresh machine:
#   make run    install, migrate, seed the demo data, print the demo logins, serve on http://127.0.0.1:5000
#   make test   install (with test tools and Chromium) and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
export HELPDESK_ENV ?= development
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test install install-dev assets chromium migrate seed serve translations test-postgres bench clean production

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations assets
install-dev: $(VENV)/.installed-dev translations assets

# Browser libraries come from the npm registry at set-up time (no CDN at run time).
VENDOR := helpdesk/static/vendor
assets: $(VENDOR)/socket.io.min.js

$(VENDOR)/socket.io.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR)/

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d helpdesk/translations 2>/dev/null || $(BIN)/pybabel compile -d helpdesk/translations

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) demo seed

serve:
	CTI_TOKEN=$${CTI_TOKEN:-demo-cti} $(BIN)/python wsgi.py

run: seed serve

# The production shape on one machine: WEB_PROCESSES server processes on PORT and every background
# worker (Procfile), against PostgreSQL and Redis; Ctrl+C or SIGTERM stops them all.
production: install
	@test -n "$$DATABASE_URL" || { echo "make production: set DATABASE_URL (PostgreSQL), e.g. postgresql://helpdesk@127.0.0.1:5432/helpdesk" >&2; exit 2; }
	@test -n "$$REDIS_URL" || { echo "make production: set REDIS_URL, e.g. redis://127.0.0.1:6379/0" >&2; exit 2; }
	@test -n "$$SECRET_KEY" || { echo "make production: set SECRET_KEY, e.g. \$$(python3 -c 'import secrets; print(secrets.token_hex(32))')" >&2; exit 2; }
	HELPDESK_ENV=production $(FLASK) db upgrade
	HELPDESK_ENV=production $(FLASK) kb reindex --if-missing --quiet
	@# exec: the SIGTERM that make passes on to its recipe then reaches honcho, which stops every process.
	exec env HELPDESK_ENV=production WEB_PROCESSES=$${WEB_PROCESSES:-2} $(BIN)/honcho -f Procfile start -p $${PORT:-8000}

chromium:
	@bash scripts/install-chromium.sh

test: install-dev chromium
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-postgres: install-dev chromium
	DATABASE_URL=$${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
