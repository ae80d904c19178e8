# Shequ: `make demo` serves the demo on SQLite; `make test` runs every test.
# Everything is installed into the project folder (.tools for uv, .venv for the app).

SHELL := /bin/bash
PORT ?= 8000
PYTHON ?= $(shell command -v python3.12 2>/dev/null || command -v python3)
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test install lint typecheck check screenshots messages clean bench

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Shequ needs Python 3.12 or newer (found " + sys.version.split()[0] + "). Set PYTHON=/path/to/python3.12.")'
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python "$(PYTHON)"
	@touch $@

install: $(VENV)/.synced

demo: install
	@mkdir -p var
	SHEQU_DEMO=1 $(PY) manage.py migrate --no-input -v 0
	SHEQU_DEMO=1 $(PY) manage.py collectstatic --no-input -v 0
	SHEQU_DEMO=1 $(PY) manage.py demo_seed
	SHEQU_DEMO=1 SHEQU_OTP_REQUIRED_ROLES= $(PY) scripts/serve_demo.py --port $(PORT)

test: install
	$(PY) -m pytest -n 2 --dist loadfile -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy shequ config

check: lint typecheck test

messages: install
	SHEQU_DEMO=1 $(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv/*' --ignore '.tools/*' --ignore 'var/*' --ignore 'static/vendor/*' --ignore 'tests/*' --ignore 'shequ/demo/*'
	SHEQU_DEMO=1 $(PY) manage.py compilemessages -l zh_Hans --ignore '.venv/*' --ignore '.tools/*'

screenshots: install
	$(PY) scripts/screenshots.py

clean:
	rm -rf var/staticfiles
