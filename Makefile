# Two commands on a fresh machine with Python 3.11 and make: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
REDIS_URL ?=

.PHONY: run test install lint format check-deploy migrations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Serves the demo. With a reachable Redis (REDIS_URL=redis://127.0.0.1:6379/0 make run) a Celery
# worker and beat start beside the web server; without one, tasks run in-process.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@if [ -n "$(REDIS_URL)" ] && $(BIN)/python -c "import sys; from config.settings.base import redis_is_reachable as r; sys.exit(0 if r('$(REDIS_URL)') else 1)"; then \
		echo "Redis reachable at $(REDIS_URL): starting a Celery worker and beat."; \
		REDIS_URL=$(REDIS_URL) $(BIN)/celery -A config worker --beat -Q celery,email --loglevel=INFO & \
		trap 'kill $$!' EXIT INT TERM; \
		REDIS_URL=$(REDIS_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT); \
	else \
		echo "No reachable Redis (REDIS_URL='$(REDIS_URL)'): Celery tasks run in-process."; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT); \
	fi

test: install
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
		ALLOWED_HOSTS=example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

migrations: install
	$(BIN)/python manage.py makemigrations

clean:
	rm -rf $(VENV) db.sqlite3 .demo-stripe-state.json .test-media staticfiles test-artifacts
