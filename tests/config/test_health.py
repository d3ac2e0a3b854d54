import json
import logging
import os
from unittest import mock

import pytest
from django.urls import reverse

from config import health
from config.tasks import worker_heartbeat

NOW = 1_800_000_000.0


@pytest.fixture
def with_worker(settings):
    """As in production: tasks go to a broker and a worker, so /healthz looks for the heartbeat."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


def test_healthz_reports_every_check_in_json(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "celery"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_says_tasks_run_in_process_without_a_broker(client, db):
    body = client.get(reverse("healthz")).json()
    assert body["checks"]["celery"]["mode"] == "in-process"


def test_database_failure_answers_503(client, db):
    with mock.patch("config.health.connection") as connection:
        connection.cursor.side_effect = Exception("down")
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "Exception"}


REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_cache(settings):
    """The cache as production has it: Redis (running here and in CI)."""
    from config.settings.base import redis_is_reachable

    if not redis_is_reachable(REDIS_TEST_URL):
        assert os.environ.get("CI") != "true", "Redis is required in CI"
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": health.REDIS_CACHE_BACKEND, "LOCATION": REDIS_TEST_URL, "KEY_PREFIX": "healthz-test"}
    }


def test_redis_is_pinged_through_the_cache_when_configured(client, db, redis_cache):
    assert client.get(reverse("healthz")).json()["checks"]["redis"] == {"ok": True, "backend": "redis"}
    with mock.patch("config.health.cache.set", side_effect=ConnectionError):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


def test_fresh_worker_heartbeat_is_healthy(with_worker, db):
    health.heartbeat_record(now=NOW - 30)
    assert health.check_worker(now=NOW) == {"ok": True, "mode": "worker", "heartbeat_age_seconds": 30.0}


def test_stale_heartbeat_answers_503(with_worker, client, db):
    health.heartbeat_record(now=1.0)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["celery"]["ok"] is False


def test_missing_heartbeat_says_what_to_start(with_worker, db):
    health.cache.delete(health.HEARTBEAT_KEY)
    check = health.check_worker(now=NOW)
    assert check["ok"] is False and "celery beat" in check["error"]


def test_heartbeat_task_writes_the_timestamp_and_is_scheduled(with_worker, settings, db):
    health.cache.delete(health.HEARTBEAT_KEY)
    worker_heartbeat.apply()
    assert health.check_worker()["ok"] is True
    schedule = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert schedule["task"] == worker_heartbeat.name
    assert schedule["schedule"] < health.HEARTBEAT_MAX_AGE


def test_healthz_refuses_writes(client, db):
    assert client.post(reverse("healthz")).status_code == 405


# --- request ids and JSON logs --------------------------------------------------------------


def test_response_carries_a_new_request_id(client, db):
    response = client.get(reverse("healthz"))
    assert len(response["X-Request-ID"]) == 32


def test_forwarded_request_id_is_kept(client, db):
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="lb-1234.abc")
    assert response["X-Request-ID"] == "lb-1234.abc"


def test_unsafe_forwarded_request_id_is_replaced(client, db):
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="evil\r\nSet-Cookie: x")
    assert response["X-Request-ID"] != "evil\r\nSet-Cookie: x"
    assert len(response["X-Request-ID"]) == 32


def test_log_lines_of_a_request_carry_its_id_as_json(client, db, caplog):
    from config.observability import JsonFormatter

    with caplog.at_level(logging.INFO, logger="returnpath.request"):
        response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="req-42")
    record = next(record for record in caplog.records if record.name == "returnpath.request")
    line = json.loads(JsonFormatter().format(record))
    assert response["X-Request-ID"] == "req-42"
    assert line["request_id"] == "req-42"
    assert line["status"] == 200 and line["path"] == "/healthz" and line["level"] == "INFO"
    assert "duration_ms" in line


def test_json_formatter_writes_exceptions_on_one_line():
    from config.observability import JsonFormatter

    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, "f", 1, "failed %s", ("job",), True)
        import sys

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line)["message"] == "failed job"
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_sentry_stays_off_without_a_dsn():
    from config.observability import sentry_init

    with mock.patch("sentry_sdk.init") as init:
        assert sentry_init(dsn="", environment="test") is False
    init.assert_not_called()


def test_sentry_starts_with_a_dsn():
    from config.observability import sentry_init

    with mock.patch("sentry_sdk.init") as init:
        assert sentry_init(dsn="https://key@sentry.example.com/1", environment="production") is True
    assert init.call_args.kwargs["send_default_pii"] is False


@pytest.fixture
def production_health(settings):
    settings.HEALTHZ_REQUIRE_REDIS = True


def test_healthz_answers_503_in_production_when_the_cache_is_not_the_shared_redis(
    production_health, settings, client, db
):
    # A per-process cache (what a web process without REDIS_URL would run on), whatever the suite's own is.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"] == {
        "ok": False,
        "backend": "LocMemCache",
        "error": "the cache is not the shared Redis: set REDIS_URL",
    }
    assert checks["celery"]["ok"] is False


def test_healthz_answers_503_in_production_when_the_broker_is_not_the_shared_redis(
    production_health, redis_cache, settings, client, db
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "filesystem://"
    health.heartbeat_record()
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is True
    assert response.json()["checks"]["celery"]["error"] == "the Celery broker is not the shared Redis: set REDIS_URL"
    settings.CELERY_BROKER_URL = REDIS_TEST_URL  # the shared Redis and a fresh heartbeat: healthy
    assert client.get(reverse("healthz")).status_code == 200
