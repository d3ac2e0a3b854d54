"""Settings shared by every profile, read from the environment with safe local defaults.

Profiles: ``local`` (default for manage.py), ``test`` (pytest) and ``production``.
"""

import logging
import socket
from pathlib import Path
from urllib.parse import urlparse

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

logger = logging.getLogger("config")

# --- Core -----------------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="insecure-local-only-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# The site's name in emails (allauth's "Hello from ..."); the sites framework follows it (members/sites.py).
SITE_NAME = env("SITE_NAME", default="Returnpath")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django_htmx",
    "anymail",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "core",
    "members",
    "clubs",
    "notifications",
    "billing",
    "events",
    "feed",
    "offers",
    "analytics",
    "automations",
    "imports",
    "privacy",
]

MIDDLEWARE = [
    "config.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "billing.webhooks.StripeWebhookShortcutMiddleware",  # Stripe's POSTs skip the rest (billing/webhooks.py)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "members.middleware.UserPreferencesMiddleware",
    "core.request_club.RequestClubMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.admin_access.StaffMfaMiddleware",
    "core.ratelimit.PostRateLimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "clubs.context_processors.navigation",
                "notifications.context_processors.bell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# Behind PgBouncer in transaction pooling, a server-side cursor (QuerySet.iterator()) may outlive its
# transaction's server connection: turn them off there (Django's "Transaction pooling" note).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DB_DISABLE_SERVER_SIDE_CURSORS", default=False)
# The embedded SQLite default (a file) serves requests from several threads and processes at once (issue 16):
# WAL lets readers go on while one connection writes; IMMEDIATE takes the write lock when a transaction starts,
# so two writers (two members' RSVPs) queue for up to `timeout` seconds instead of one failing with "database
# is locked" when its read upgrades to a write, which no busy timeout can wait out. In-memory test DBs keep
# SQLite's defaults.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and DATABASES["default"]["NAME"] != ":memory:":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache; in-process fallback ------------------------------------


def redis_is_reachable(url: str, timeout: float = 0.5) -> bool:
    """A TCP connect is enough to decide at start whether a broker exists; no Redis client needed."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout):
            return True
    except OSError:
        return False


REDIS_URL = env("REDIS_URL", default="")
REDIS_AVAILABLE = bool(REDIS_URL) and redis_is_reachable(REDIS_URL)

if REDIS_AVAILABLE:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No broker here: tasks run in the calling process and the cache is per process. Tests keep this
    # (config/settings/test.py); config/settings/local.py replaces it with an embedded broker and a file
    # cache shared by web, worker and beat; production warns (config/settings/production.py).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process that has grown past this (KiB) after a task is replaced by a fresh one: a bound on a worker's memory
# whatever a long run leaves behind (a fan-out process sits at ~128 MiB; one grew to 231 MiB over 50,000 emails
# around a Redis restart, bench/fanout). 0 turns it off.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=140 * 1024) or None
CELERY_TASK_TIME_LIMIT = 300
# Celery's Django fixup closes the database connection before and after every task, whatever CONN_MAX_AGE says.
# A reuse count keeps it open for that many tasks, and config/celery.py then applies CONN_MAX_AGE around each task
# as Django does around a request (an expired, broken or errored connection, or one left inside a transaction, is
# closed). Off by default (0: a connection per task): on 2026-12-02 a reuse of 1000 saved no measurable CPU per
# webhook event (27.7 against 27.1 ms) and let the largest fan-out worker grow from 128 to 231 MiB over 50,000
# emails (bench/fanout, docs/benchmarks.md). The webhook drain already works through its ids on one connection.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=0)
CELERY_TIMEZONE = "UTC"
# Offer emails go to their own queue, so a 50,000-member send never delays webhooks or reminders.
CELERY_TASK_ROUTES = {
    "offers.tasks.send_offer_batch": {"queue": "email"},
    "feed.tasks.announcement_published": {"queue": "email"},  # a club's announcement email, like an offer's
}
CELERY_BEAT_SCHEDULE = {
    "offers-reconcile-sends": {
        "task": "offers.tasks.reconcile_offer_sends",
        "schedule": env.int("OFFER_RECONCILE_SECONDS", default=60),
    },
    "worker-heartbeat": {"task": "config.tasks.worker_heartbeat", "schedule": 60.0},
    "stripe-reconcile": {"task": "billing.tasks.reconcile_stripe", "schedule": crontab(hour=3, minute=15)},
    # Stored webhook events the broker never got (Redis down at the time) are enqueued here.
    "stripe-webhook-pickup": {"task": "billing.tasks.pickup_webhook_events", "schedule": 60.0},
    "expire-complimentary-memberships": {
        "task": "clubs.tasks.expire_complimentary_memberships",
        "schedule": crontab(hour=0, minute=10),
    },
    "purge-import-previews": {"task": "imports.tasks.purge_import_previews", "schedule": crontab(hour=4, minute=20)},
    "event-reminders": {"task": "events.tasks.send_event_reminders", "schedule": crontab(minute="*/5")},
    # Offers scheduled to appear (publish_at, valid_from ahead) get their bell notice once they do.
    "offers-notify-newly-visible": {
        "task": "offers.tasks.notify_newly_visible_offers",
        "schedule": crontab(minute="*/5"),
    },
    "feed-activity-digest": {"task": "feed.tasks.send_activity_digests", "schedule": crontab(hour=17, minute=30)},
    # Each notification whose kind a member chose "in the daily digest" is told once (notifications/services.py).
    "notifications-digest": {
        "task": "notifications.tasks.send_notification_digests",
        "schedule": crontab(hour=17, minute=45),
    },
    "analytics-metric-snapshots": {
        "task": "analytics.tasks.take_metric_snapshots",
        "schedule": crontab(hour=0, minute=40),
    },
    "analytics-nps-surveys": {"task": "analytics.tasks.send_nps_surveys", "schedule": crontab(hour=10, minute=0)},
    # Members' data exports past their expiry lose their file (privacy/services/export.py).
    "privacy-exports-cleanup": {"task": "privacy.tasks.remove_expired_exports", "schedule": crontab(minute=23)},
    # One dispatcher for every return-path automation of every club (automations/services/triggers.py).
    "automations-run": {"task": "automations.tasks.run_automations", "schedule": crontab(minute=7)},
    # Pause instead of cancel, and gift memberships (billing/services/pause.py, billing/services/gifts.py).
    "billing-pause-reminders": {"task": "billing.growth_tasks.send_pause_reminders", "schedule": crontab(minute=35)},
    "billing-pauses-catch-up": {"task": "billing.growth_tasks.catch_up_pauses", "schedule": crontab(minute=50)},
    "billing-gift-invites": {"task": "billing.growth_tasks.send_gift_invites", "schedule": crontab(minute=40)},
}

# How late a time-based automation (welcome, day-7 nudge, after an event) may still fire after its moment.
AUTOMATION_CATCH_UP_DAYS = env.int("AUTOMATION_CATCH_UP_DAYS", default=3)
# How long the last win-back stage stays open before a member who left is left alone.
AUTOMATION_WIN_BACK_LAST_STAGE_DAYS = env.int("AUTOMATION_WIN_BACK_LAST_STAGE_DAYS", default=30)

# --- Auth and accounts ----------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.passwords.MinimumLengthValidator"},  # Django's, in the reader's digits
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "clubs:my-clubs"

ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "members.adapters.user_display"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "members.forms.SignupForm"}  # takes the browser's time zone (static/js/time-zone.js)
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Returnpath] "
# allauth's default limits (login failures, signup, password reset, confirmation emails) stay on;
# they use the cache, which is Redis in production.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Staff need TOTP to open the admin (config/admin_access.py); production turns it on.
REQUIRE_STAFF_MFA = env.bool("REQUIRE_STAFF_MFA", default=False)
# Behind N proxies that append to X-Forwarded-For, the client address is the N-th from the end.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Security headers and rate limits (config/security.py, core/ratelimit.py) --------------
CSP_FORM_ACTION_HOSTS = env.list(
    "CSP_FORM_ACTION_HOSTS", default=["https://checkout.stripe.com", "https://billing.stripe.com"]
)
CSP_REPORT_URI = env("CSP_REPORT_URI", default="")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
# Member pages (club home, events, feed, offers) cached per viewer (core/pagecache.py, issue 20): any write they
# show drops them at once; what no write announces (time passing, bulk updates) shows within this many seconds.
# 0 turns the cache off.
MEMBER_PAGE_CACHE_SECONDS = env.int("MEMBER_PAGE_CACHE_SECONDS", default=30)
RATE_LIMIT_DEFAULT = env("RATE_LIMIT_DEFAULT", default="120/m")  # every POST without a limit of its own
RATE_LIMITS: dict[str, str] = {}  # action name -> rate, overriding the rate written at the decorator

# --- Email ----------------------------------------------------------------------------------
from config.email import email_settings  # noqa: E402

# SMTP from EMAIL_URL, or an API provider from ANYMAIL_PROVIDER (config/email.py).
EMAIL_CONFIG = email_settings(env, default_url="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Returnpath <noreply@returnpath.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Message-IDs of member emails (core/emails.py): this domain, else DEFAULT_FROM_EMAIL's; never the host name.
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", default="")
# Optional mailto: target added to List-Unsubscribe next to the https one-click link.
EMAIL_UNSUBSCRIBE_MAILTO = env("EMAIL_UNSUBSCRIBE_MAILTO", default="")

# --- Stripe ---------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# A dotted path to a callable returning a stripe.StripeClient that replaces real Stripe (billing/gateway.py);
# empty: Stripe itself, with STRIPE_SECRET_KEY. Set only by config/settings/local.py (demo mode).
STRIPE_CLIENT_FACTORY = ""

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic")), ("de", _("German")), ("fa", _("Persian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date patterns Django lacks for a language (core/formats/<lang>/formats.py); the rest are Django's.
FORMAT_MODULE_PATH = ["core.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Member-only uploads (offer images, feed photos): never under MEDIA_ROOT, never served by the proxy.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
CLUB_COVER_MAX_SIDE = 1920
# Media on object storage (issue 22; core/storage.py, docs/settings.md): "local" (the default) keeps the two
# folders above; "s3" puts every upload in an S3-compatible store, so web hosts share nothing on disk. Public
# media go by their public URL (MEDIA_S3_CUSTOM_DOMAIN if set), member-only ones by a signed URL after the
# access check. `manage.py check` refuses s3 without a bucket and a region or endpoint.
MEDIA_STORAGE = env("MEDIA_STORAGE", default="local")
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET", default="")
MEDIA_S3_PRIVATE_BUCKET = env("MEDIA_S3_PRIVATE_BUCKET", default="")  # empty: MEDIA_S3_BUCKET, under the prefix
MEDIA_S3_PRIVATE_PREFIX = env("MEDIA_S3_PRIVATE_PREFIX", default="private")
MEDIA_S3_ENDPOINT_URL = env("MEDIA_S3_ENDPOINT_URL", default="")  # empty: AWS itself
MEDIA_S3_REGION = env("MEDIA_S3_REGION", default="")
MEDIA_S3_ACCESS_KEY_ID = env("MEDIA_S3_ACCESS_KEY_ID", default="")  # both empty: boto3's chain (instance role)
MEDIA_S3_SECRET_ACCESS_KEY = env("MEDIA_S3_SECRET_ACCESS_KEY", default="")
MEDIA_S3_CUSTOM_DOMAIN = env("MEDIA_S3_CUSTOM_DOMAIN", default="")  # public media only (e.g. a CDN)
MEDIA_S3_SIGNED_URL_SECONDS = env.int("MEDIA_S3_SIGNED_URL_SECONDS", default=300)
MEDIA_S3_OBJECT_ACLS = env.bool("MEDIA_S3_OBJECT_ACLS", default=True)  # false: buckets with ACLs disabled
MEDIA_DEFAULT_STORAGE = (
    {"BACKEND": "core.storage.PublicMediaS3Storage"}
    if MEDIA_STORAGE == "s3"
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": MEDIA_DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads beyond this are refused before they reach a form (avatars and covers are small).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Product rules --------------------------------------------------------------------------
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
CLUB_COVER_MAX_BYTES = env.int("CLUB_COVER_MAX_BYTES", default=5 * 1024 * 1024)
# Feed photos: refused above this size; stored re-encoded at two sizes (longest side, in pixels).
FEED_PHOTO_MAX_BYTES = env.int("FEED_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
FEED_PHOTO_MAX_SIDE = 1600
FEED_PHOTO_FEED_SIDE = 800
# Leader announcements: how many a club may email to its members in any 7 days (the offer cap does not apply).
ANNOUNCEMENT_EMAILS_PER_WEEK = env.int("ANNOUNCEMENT_EMAILS_PER_WEEK", default=3)
OFFER_IMAGE_MAX_BYTES = env.int("OFFER_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
# Offer emails: recipients per batch (one SMTP connection each), how long a worker holds a batch
# before the reconciler may hand it to another, and how long Checkout holds a unit of a limited offer.
OFFER_BATCH_SIZE = env.int("OFFER_BATCH_SIZE", default=500)
OFFER_BATCH_LEASE_SECONDS = env.int("OFFER_BATCH_LEASE_SECONDS", default=120)
# A batch still pending this long after it was due lost its broker message (Redis restarted): re-queue it.
OFFER_BATCH_PENDING_SECONDS = env.int("OFFER_BATCH_PENDING_SECONDS", default=600)
OFFER_BATCH_MAX_ATTEMPTS = env.int("OFFER_BATCH_MAX_ATTEMPTS", default=8)
# Offer emails sent between two commit points (docs/settings.md): a worker killed mid-chunk leaves at most
# this many members without the email ("in doubt"), never one with two.
OFFER_SEND_CHUNK_SIZE = env.int("OFFER_SEND_CHUNK_SIZE", default=100)
OFFER_RESERVATION_MINUTES = env.int("OFFER_RESERVATION_MINUTES", default=30)
# Members' own data (privacy/): how long the link to a data export works before the file is removed, and how
# long a double opt-in link for offer emails (clubs/consent.py) stays valid.
PRIVACY_EXPORT_DAYS = env.int("PRIVACY_EXPORT_DAYS", default=7)
CONSENT_CONFIRM_DAYS = env.int("CONSENT_CONFIRM_DAYS", default=14)

# --- Logging --------------------------------------------------------------------------------
# LOG_FORMAT=json (production default) writes one JSON object per line with the request id.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {"()": "config.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The SDK logs every request at INFO; failures reach us as exceptions anyway.
        "stripe": {"level": "WARNING"},
        # One line per request (method, path, status, duration) is for production; runserver has its own.
        "returnpath.request": {"level": env("REQUEST_LOG_LEVEL", default="WARNING")},
    },
}

# --- Sentry: on only when SENTRY_DSN is set ---------------------------------------------------
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.observability import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
