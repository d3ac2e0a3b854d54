"""Production: everything secret comes from the environment; HTTPS only."""

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
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
EMAIL_CONFIG = email_settings(env, default_url="smtp://localhost:25")
vars().update(EMAIL_CONFIG)

# /healthz answers plain HTTP too: load balancers probe the backend directly, not through TLS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
REQUIRE_STAFF_MFA = env.bool("REQUIRE_STAFF_MFA", default=True)

LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")  # noqa: F405
LOGGING["loggers"]["returnpath.request"]["level"] = env("REQUEST_LOG_LEVEL", default="INFO")  # noqa: F405

if not REDIS_AVAILABLE:  # noqa: F405
    # Rate limits, the worker heartbeat and sessions-by-cache need one cache shared by every process.
    logger.warning(  # noqa: F405
        "Production without a reachable Redis: rate limits are counted per process and /healthz cannot see "
        "the Celery heartbeat. Set REDIS_URL."
    )
