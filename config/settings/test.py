"""Test profile. With CI=true the suite runs on PostgreSQL and Redis; elsewhere on SQLite in memory."""

import os

if os.environ.get("CI", "").lower() == "true":
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
else:
    os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS, REDIS_AVAILABLE

# Tests drive the Stripe emulator and the demo checkout (devtools).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run inline in tests; each test decides whether on_commit callbacks execute.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
if REDIS_AVAILABLE:
    # Separate key space per run, so parallel runs and leftovers never collide.
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"  # noqa: F405
ACCOUNT_RATE_LIMITS = False
# Our own limits too; tests of config/ratelimit.py turn them on with the settings fixture.
RATE_LIMITS_ENABLED = False
# Member pages' per-viewer cache (core/pagecache.py) off; tests/core/test_pagecache.py turns it on.
MEMBER_PAGE_CACHE_SECONDS = 0
# No Stripe: each test installs a fresh emulator (tests/conftest.py) and signs webhook payloads with this secret.
STRIPE_CLIENT_FACTORY = ""
STRIPE_SECRET_KEY = ""
STRIPE_WEBHOOK_SECRET = "whsec_test_0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = ["*"]
# One directory per pytest-xdist worker: a worker that finishes first removes only its own files.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
MEDIA_ROOT = BASE_DIR / f".test-media{_WORKER}"  # noqa: F405
PRIVATE_MEDIA_ROOT = BASE_DIR / f".test-media-private{_WORKER}"  # noqa: F405
