"""Request ids, structured JSON logs and Sentry: how one request is followed through the logs.

Every request gets an id (the proxy's ``X-Request-ID`` when it sent a sane one, else a new one). It is
kept in a contextvar, stamped on every log record of that request, returned in the response header
and attached to Sentry events, so a user's report, the proxy log and our log lines meet on one value.
A Celery task enqueued during the request carries the id in its message headers and runs with it
(``before_task_publish`` / ``task_prerun`` below), so the worker's log lines and Sentry events of that
task carry it too.
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from celery.signals import before_task_publish, task_postrun, task_prerun

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# A forwarded id is trusted only if it cannot break a log line or a header.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_logger = logging.getLogger("returnpath.request")


def request_id_from(request) -> str:
    forwarded = request.headers.get("X-Request-ID", "")
    return forwarded if REQUEST_ID_PATTERN.match(forwarded) else uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE: everything after it, including errors, logs with the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request)
        token = request_id_var.set(request_id)
        request.request_id = request_id
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


# --- The request id in Celery tasks ----------------------------------------------------------------------
TASK_REQUEST_ID_HEADER = "returnpath_request_id"
_task_tokens: dict[str, object] = {}  # task id -> the contextvar token to reset once the task ends


@before_task_publish.connect(weak=False, dispatch_uid="returnpath.request_id.publish")
def request_id_to_task_headers(headers: dict | None = None, **kwargs) -> None:
    """Runs where the task is enqueued (a request): its id travels in the message headers."""
    request_id = request_id_var.get()
    if headers is not None and request_id != "-":
        headers.setdefault(TASK_REQUEST_ID_HEADER, request_id)


@task_prerun.connect(weak=False, dispatch_uid="returnpath.request_id.prerun")
def request_id_from_task_headers(task_id: str | None = None, task=None, **kwargs) -> None:
    """Runs in the worker before the task: its log lines and Sentry events get the enqueuing request's id.

    A task run eagerly (tests, no broker) has no such header and keeps the id of the request it runs in.
    """
    request_id = getattr(getattr(task, "request", None), TASK_REQUEST_ID_HEADER, None)
    if not isinstance(request_id, str) or not REQUEST_ID_PATTERN.match(request_id):
        return
    # Sentry's before_send (sentry_init) tags every event with this contextvar, so the task's events carry
    # the id too; a tag set on Sentry's scope here would outlive the task and mislabel the worker's next one.
    _task_tokens[task_id] = request_id_var.set(request_id)


@task_postrun.connect(weak=False, dispatch_uid="returnpath.request_id.postrun")
def request_id_task_done(task_id: str | None = None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


# Attributes every LogRecord has; anything else was passed with extra= and goes into the JSON.
_STANDARD_ATTRIBUTES = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log collectors (Loki, CloudWatch, Datadog) parse without rules."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def sentry_init(*, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0) -> bool:
    """Sentry only when a DSN is set: no DSN, no SDK work and nothing leaves the host."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    def tag_request_id(event, hint):
        event.setdefault("tags", {})["request_id"] = request_id_var.get()
        return event

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        before_send=tag_request_id,
    )
    return True
