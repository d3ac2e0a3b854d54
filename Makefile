# Two commands on a fresh machine with Python 3.11 and make: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: `make run` installs only the runtime requirements; `make test` and the tools add the rest.
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed-dev
# Where `make run` serves; SITE_URL (links in emails, the printed login URL) follows them.
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT
# pytest-xdist: one worker per core, each test file on one worker (its fixtures and Redis keys stay together).
# `make test PYTEST_ARGS=` runs in one process. The browser tests run in a second session: Playwright's sync API
# keeps an event loop in a worker's thread, beside which Django refuses database work (exit 5: none selected).
PYTEST_ARGS ?= -n auto --dist loadfile

.PHONY: run test install lint format check-deploy migrations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(RUNTIME_STAMP)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(RUNTIME_STAMP) $(STAMP)

install: $(STAMP)

# Serves the demo: the web server, a Celery worker and beat (devtools/run.py; Ctrl-C stops all three).
# Without REDIS_URL they share the embedded broker and file cache in .dev/; with it, Redis.
run: $(RUNTIME_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python -m devtools.run

test: install
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/pytest $(PYTEST_ARGS) -m "not browser"
	$(BIN)/pytest $(PYTEST_ARGS) -m browser || [ $$? -eq 5 ]

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# SITE_URL and DEFAULT_FROM_EMAIL are required in production and checked by core/checks.py (https, no
# special-use From domain). These stand-ins only let the check run here; a real deployment sets its own.
CHECK_DEPLOY_SITE_URL ?= https://members.returnpath.app
CHECK_DEPLOY_FROM_EMAIL ?= noreply@mail.returnpath.app

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
		ALLOWED_HOSTS=example.com REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
		SITE_URL=$${SITE_URL:-$(CHECK_DEPLOY_SITE_URL)} DEFAULT_FROM_EMAIL="$${DEFAULT_FROM_EMAIL:-$(CHECK_DEPLOY_FROM_EMAIL)}" \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

migrations: install
	$(BIN)/python manage.py makemigrations

clean:
	rm -rf $(VENV) db.sqlite3 .demo-stripe-state.json* .dev .test-media staticfiles test-artifacts
