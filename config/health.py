"""/healthz: is this web process able to serve, and is background work getting done?

Answers JSON, 200 when every check passes and 503 otherwise, so a load balancer or an uptime
monitor can act on the status code alone and a person can read why. It does no writes to the
database and touches the cache with a single key, so it is cheap enough to poll every few seconds.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

HEARTBEAT_KEY = "returnpath:celery-heartbeat"
# Beat sends the heartbeat every HEARTBEAT_INTERVAL seconds; three missed beats mean trouble.
HEARTBEAT_INTERVAL = 60
HEARTBEAT_MAX_AGE = 3 * HEARTBEAT_INTERVAL


def heartbeat_record(*, now: float | None = None) -> None:
    cache.set(HEARTBEAT_KEY, now if now is not None else time.time(), timeout=None)


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return {"ok": False, "error": error.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


REDIS_CACHE_BACKEND = "django.core.cache.backends.redis.RedisCache"
REDIS_BROKER_SCHEMES = ("redis://", "rediss://")


def _redis_required() -> bool:
    """In production (HEALTHZ_REQUIRE_REDIS) anything but the shared Redis is unhealthy: a per-process cache
    counts rate limits per process and hides the worker's heartbeat, and tasks without a broker run inside
    web requests. Tests and local development may use the fallbacks."""
    return getattr(settings, "HEALTHZ_REQUIRE_REDIS", False)


def check_cache() -> dict:
    if settings.CACHES["default"]["BACKEND"] != REDIS_CACHE_BACKEND:
        backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        if _redis_required():
            return {"ok": False, "backend": backend, "error": "the cache is not the shared Redis: set REDIS_URL"}
        return {"ok": True, "backend": backend, "note": "REDIS_URL unset or unreachable at start"}
    try:
        cache.set("returnpath:healthz", "1", timeout=10)
        ok = cache.get("returnpath:healthz") == "1"
    except Exception as error:
        return {"ok": False, "backend": "redis", "error": error.__class__.__name__}
    return {"ok": ok, "backend": "redis"}


def check_worker(*, now: float | None = None) -> dict:
    broker_is_redis = str(settings.CELERY_BROKER_URL).startswith(REDIS_BROKER_SCHEMES)
    if _redis_required() and (settings.CELERY_TASK_ALWAYS_EAGER or not broker_is_redis):
        return {"ok": False, "mode": "in-process", "error": "the Celery broker is not the shared Redis: set REDIS_URL"}
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process", "note": "no broker: tasks run inside the web process"}
    try:
        last_beat = cache.get(HEARTBEAT_KEY)
    except Exception as error:
        return {"ok": False, "mode": "worker", "error": error.__class__.__name__}
    if last_beat is None:
        return {"ok": False, "mode": "worker", "error": "no heartbeat yet: is celery beat and a worker running?"}
    age = round((now if now is not None else time.time()) - float(last_beat), 1)
    return {"ok": age <= HEARTBEAT_MAX_AGE, "mode": "worker", "heartbeat_age_seconds": age}


@never_cache
@require_safe
def healthz(request):
    checks = {"database": check_database(), "redis": check_cache(), "celery": check_worker()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
