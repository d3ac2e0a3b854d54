"""The request id reaches Celery: a task enqueued from a request logs, and reports to Sentry, with that id.

A real worker (celery.contrib.testing, in a thread) consumes the real message from an in-memory broker, so
the id must travel in the message headers: the worker's thread does not share the request's contextvar.
"""

import json
import logging
import time

import pytest
import sentry_sdk
from celery.contrib.testing.worker import start_worker
from django.http import HttpResponse
from django.test import RequestFactory

from config.celery import app
from config.observability import JsonFormatter, RequestIdMiddleware, request_id_var, sentry_init

seen: list[dict] = []
task_logger = logging.getLogger("returnpath.tests.task")


@app.task(name="tests.config.record_request_id")
def record_request_id():
    task_logger.warning("task ran")
    sentry_sdk.capture_message("from the task")
    seen.append({"request_id": request_id_var.get()})  # last: the test waits for this


@pytest.fixture
def worker(settings):
    """A broker and a worker as in production, only in memory: tasks are published, not run inline."""
    previous = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    seen.clear()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield
    app.conf.task_always_eager, app.conf.broker_url = previous


@pytest.fixture
def sentry_events(monkeypatch):
    """Sentry initialised through sentry_init, with a transport that keeps events instead of sending them."""
    events: list[dict] = []
    real_init = sentry_sdk.init

    class KeepEvents(sentry_sdk.transport.Transport):
        def capture_envelope(self, envelope):
            events.extend(item.payload.json for item in envelope.items if item.type == "event")

    monkeypatch.setattr(sentry_sdk, "init", lambda **options: real_init(transport=KeepEvents(), **options))
    sentry_init(dsn="https://key@sentry.example.com/1", environment="test")
    yield events
    real_init()  # no DSN: Sentry off again for the rest of the suite


def enqueue_from_a_request(request_id: str):
    def view(request):
        record_request_id.delay()
        return HttpResponse("queued")

    request = RequestFactory().get("/queue", HTTP_X_REQUEST_ID=request_id)
    return RequestIdMiddleware(view)(request)


def wait_for_task():
    """Polls for the task's own mark (not a timing assertion: it only bounds how long to wait)."""
    for _ in range(400):
        if seen:
            return
        time.sleep(0.05)
    raise AssertionError("the worker never ran the task")


def test_task_enqueued_from_a_request_logs_and_reports_with_its_request_id(sentry_events, worker, caplog):
    with caplog.at_level(logging.WARNING, logger="returnpath.tests.task"):
        response = enqueue_from_a_request("req-from-web-7")
        assert response["X-Request-ID"] == "req-from-web-7"
        wait_for_task()
        sentry_sdk.flush()
    assert seen == [{"request_id": "req-from-web-7"}]
    record = next(record for record in caplog.records if record.getMessage() == "task ran")
    assert json.loads(JsonFormatter().format(record))["request_id"] == "req-from-web-7"
    task_events = [event for event in sentry_events if event.get("message") == "from the task"]
    assert [event["tags"]["request_id"] for event in task_events] == ["req-from-web-7"]


def test_a_task_enqueued_outside_a_request_runs_without_an_id_and_does_not_inherit_the_last_one(worker):
    enqueue_from_a_request("req-first")
    wait_for_task()
    seen.clear()
    record_request_id.delay()  # beat or a shell: no request
    wait_for_task()
    assert seen == [{"request_id": "-"}]
