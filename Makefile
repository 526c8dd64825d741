# The two commands a new user needs: `make run` (the app) and `make test` (the tests).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: run test lint install install-dev chromium servers voice-tools prepare

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

# the tests also cover the optional Piper voice (GPL-3.0: opt-in for `make run`, see README "Voice")
$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[dev,piper]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

chromium:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

# Postgres and nginx from Debian: the store and replica tests start their own, in a temp dir on loopback.
servers:
	@{ test -x /usr/sbin/nginx && ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql nginx; }

# espeak-ng and sox from Debian: the voice tests speak their recordings with them (and espeak-ng reads aloud)
voice-tools:
	@{ command -v espeak-ng && command -v sox; } >/dev/null || \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q espeak-ng sox; }

prepare: install
	$(PY) -m interviewer.cli prepare

run: prepare
	GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 $(PY) app.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install-dev chromium servers voice-tools lint
	GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 $(PY) -m pytest
