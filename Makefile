# Parcours — every set-up step lives here; CI runs `make test` through .ci/run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test check lint typecheck format postgres-server imap-server chromium bench clean

FRONTEND := src/parcours/web/frontend

$(STAMP): pyproject.toml $(FRONTEND)/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# The console's front-end libraries (htmx) from the npm registry, as the lock file pins them.
	npm ci --prefix $(FRONTEND) --no-audit --no-fund --silent
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/parcours db upgrade
	$(BIN)/parcours demo load
	$(BIN)/parcours resolve
	$(BIN)/parcours serve --host $(HOST) --port $(PORT)

# Debian's PostgreSQL server binaries, needed by the integration tests (they start their own cluster).
postgres-server:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing Debian's postgresql server for the tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# Debian's Dovecot, needed by the IMAP tests (they start their own server on loopback ports).
# Its package starts a system-wide dovecot where services may start (ports 143 and 993 of every
# address): we stop and disable it at once; the tests never use it.
imap-server:
	@if [ ! -x /usr/sbin/dovecot ]; then \
		echo "Installing Debian's dovecot-imapd for the tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
			dovecot-imapd >/dev/null || exit 1; \
		if [ -d /run/systemd/system ]; then \
			$$SUDO systemctl disable --now --quiet dovecot.service dovecot.socket || true; \
		else \
			$$SUDO update-rc.d dovecot disable >/dev/null 2>&1 || true; \
			$$SUDO invoke-rc.d --force dovecot stop >/dev/null 2>&1 || true; \
		fi; \
	fi

# Debian's Chromium, driven by Playwright in the browser tests (never a browser that Playwright
# downloads: the tests launch /usr/bin/chromium).
# The colour emoji font draws the channel icons in the screenshots as people's browsers do.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/noto ]; then \
		echo "Installing Debian's chromium and emoji font for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; \
	fi

test: install postgres-server imap-server chromium
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install postgres-server
	$(BIN)/python bench/import_customers.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache $(FRONTEND)/node_modules
