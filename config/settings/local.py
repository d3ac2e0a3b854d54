"""Local development: DEBUG on, SQLite, and Celery on an embedded broker unless DATABASE_URL / REDIS_URL say otherwise.

``make run`` (devtools/run.py) starts the web server, a Celery worker and beat as three processes. Without
Redis they meet on kombu's filesystem transport (a folder of message files, no server, nothing to install)
and share Django's file-based cache, so scheduled jobs, the worker heartbeat of /healthz and rate limits
behave as in production. Tasks never run inside the web process here; only tests run them eagerly.
"""

import warnings
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import (
    BASE_DIR,
    EMAIL_CONFIG,
    INSTALLED_APPS,
    REDIS_AVAILABLE,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
    TEMPLATES,
    env,
)

DEBUG = env.bool("DEBUG", default=True)

# Dev-only: the Stripe emulator, the demo checkout, the outbox and seed_demo/demo_advance (never in production).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
TEMPLATES[0]["OPTIONS"]["context_processors"] = [
    *TEMPLATES[0]["OPTIONS"]["context_processors"],
    "devtools.context_processors.demo",
]

# Where the local server keeps what web, worker and beat share: broker messages, cache, outbox, beat schedule.
DEV_STATE_DIR = Path(env("DEV_STATE_DIR", default=str(BASE_DIR / ".dev")))

# HOST and PORT are where `make run` serves; links in emails and the printed login URL follow them.
HOST = env("HOST", default="127.0.0.1")
PORT = env.int("PORT", default=8000)
SITE_URL = env("SITE_URL", default=f"http://{'127.0.0.1' if HOST in ('0.0.0.0', '::') else HOST}:{PORT}")  # noqa: S104
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", HOST])

if not REDIS_AVAILABLE:
    # kombu's filesystem transport needs no extra package (the SQLAlchemy transport would need SQLAlchemy),
    # supports the fanout exchanges that worker control uses, and survives restarts: messages are files.
    _broker = DEV_STATE_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "control_folder": str(_broker / "control"),
        "processed_folder": str(_broker / "processed"),
        "store_processed": False,
    }
    CELERY_TASK_ALWAYS_EAGER = False
    # One cache that every local process reads and writes (the heartbeat, rate-limit counters, allauth's limits).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DEV_STATE_DIR / "cache"),
        }
    }
    for _folder in ("queue", "control", "processed"):
        (_broker / _folder).mkdir(parents=True, exist_ok=True)

# With DEBUG on, every email the site sends is kept in the outbox (/dev/outbox/), then handed to the
# backend EMAIL_URL / ANYMAIL_PROVIDER chose (the console by default), so nothing changes about delivery.
OUTBOX_DIR = DEV_STATE_DIR / "outbox"
if DEBUG:
    OUTBOX_DELIVERY_BACKEND = EMAIL_CONFIG.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    EMAIL_BACKEND = "devtools.outbox.backend.OutboxEmailBackend"

# Demo mode: no Stripe key and DEBUG on. The in-process Stripe emulator stands in for Stripe and signs its
# events with a local secret; the demo checkout page (devtools) plays Stripe Checkout. Never with DEBUG off.
if DEBUG and not STRIPE_SECRET_KEY:
    STRIPE_CLIENT_FACTORY = "devtools.stripe_emulator.demo_client"
    STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET or "whsec_returnpath_local_demo"  # demo only
# The emulator's state, shared by the web process and the worker (devtools/stripe_emulator/persistent.py).
DEMO_STRIPE_STATE_FILE = Path(env("DEMO_STRIPE_STATE_FILE", default=str(BASE_DIR / ".demo-stripe-state.json")))

# runserver serves static files from the app folders; there is no collectstatic output locally.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
