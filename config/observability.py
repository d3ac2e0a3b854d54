"""Request ids, structured JSON logs and Sentry: how one request is followed through the logs.

Every request gets an id (the proxy's ``X-Request-ID`` when it sent a sane one, else a new one). It is
kept in a contextvar, stamped on every log record of that request, returned in the response header
and attached to Sentry events, so a user's report, the proxy log and our log lines meet on one value.
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

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
