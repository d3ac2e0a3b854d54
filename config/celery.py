"""Celery application: broker and options come from Django settings (CELERY_*): Redis when REDIS_URL answers,
else (local settings) the embedded filesystem broker that `make run` starts a worker and beat on."""

import os

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun

import config.observability  # noqa: F401  connects the signals that carry the request id into tasks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("returnpath")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Platform tasks (the /healthz heartbeat) live in config/, which is not an app.
app.autodiscover_tasks(["config"])


@beat_init.connect
def _first_heartbeat(sender=None, **kwargs) -> None:
    """Beat's first interval run comes a full interval after it starts; one heartbeat at start lets /healthz
    see beat, the broker (Redis or the embedded one, config/settings/local.py) and a worker at once."""
    sender.app.send_task("config.tasks.worker_heartbeat")


@task_prerun.connect
@task_postrun.connect
def _database_connections_tidy(sender=None, **kwargs) -> None:
    """Around every task, what Django does around a request: close the connection when CONN_MAX_AGE has run out,
    when it broke or errored, or when a task left it inside a transaction; otherwise the next task reuses it.

    Celery's Django fixup would close it around every task; ``CELERY_DB_REUSE_MAX`` (config/settings/base.py)
    stops that, and this keeps CONN_MAX_AGE's meaning. Tasks run in the caller's process (tests, eager mode)
    are left alone: the connection, and its transaction, are the caller's.
    """
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
