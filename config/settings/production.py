"""Production: everything secret comes from the environment; HTTPS only."""

from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

from config.email import email_settings
from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

STORAGES = {
    "default": MEDIA_DEFAULT_STORAGE,  # noqa: F405 (local disk, or S3 with MEDIA_STORAGE=s3: base.py)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
EMAIL_CONFIG = email_settings(env, default_url="smtp://localhost:25")
vars().update(EMAIL_CONFIG)
# Required here (no noreply@returnpath.local default): links and List-Unsubscribe are built from SITE_URL,
# and the From domain is the one SPF, DKIM and DMARC are set up for (docs/email.md). `check --deploy`
# refuses an http SITE_URL and a special-use From domain (core/checks.py).
SITE_URL = env("SITE_URL")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", default="")
EMAIL_UNSUBSCRIBE_MAILTO = env("EMAIL_UNSUBSCRIBE_MAILTO", default="")

# /healthz answers plain HTTP too: load balancers probe the backend directly, not through TLS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
REQUIRE_STAFF_MFA = env.bool("REQUIRE_STAFF_MFA", default=True)

LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")  # noqa: F405
LOGGING["loggers"]["returnpath.request"]["level"] = env("REQUEST_LOG_LEVEL", default="INFO")  # noqa: F405

# --- Redis is required (issue 16, "Failing safe") ------------------------------------------------
# base.py falls back to in-process tasks and a per-process cache when Redis is missing: right for tests,
# wrong here, where that would run Celery tasks inside web requests and count rate limits per process.
# So production refuses to start instead. BUILD_WITHOUT_REDIS is only for image builds (compilemessages,
# collectstatic in the Dockerfile), which serve no request and enqueue nothing.
# /healthz answers 503 if the cache or the broker is anything but that Redis (config/health.py).
HEALTHZ_REQUIRE_REDIS = True
if not env.bool("BUILD_WITHOUT_REDIS", default=False):
    if not REDIS_URL:  # noqa: F405
        raise ImproperlyConfigured(
            "REDIS_URL is not set. Production needs Redis as the Celery broker and the shared cache "
            "(e.g. REDIS_URL=redis://127.0.0.1:6379/0)."
        )
    if not REDIS_AVAILABLE:  # noqa: F405
        raise ImproperlyConfigured(
            # Host and port only: the URL may carry a password, and this message reaches logs.
            f"REDIS_URL ({urlparse(REDIS_URL).hostname}:{urlparse(REDIS_URL).port or 6379}) is not reachable. "  # noqa: F405
            "Production needs Redis as the Celery broker and the shared cache; start Redis or fix REDIS_URL."
        )
