"""With ``CELERY_DB_REUSE_MAX`` set, a worker keeps its database connection from one task to the next within
CONN_MAX_AGE (issue 20); by default (0) it opens one per task, as Celery's Django fixup does.

Here a worker's task is simulated as the worker runs it: the fixup's prerun and postrun beside the project's
own signal receivers. Reuse is opt-in: it saved no measurable CPU per webhook event and let a fan-out worker
grow from 128 to 231 MiB over 50,000 emails (docs/benchmarks.md).
"""

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connections

from config.celery import app

pytestmark = pytest.mark.django_db(transaction=True)  # autocommit, as a worker's connection is between tasks


@pytest.fixture
def connection():
    return connections["default"]  # the wrapper itself, not the proxy: its attributes are patched


@pytest.fixture
def closes(connection, monkeypatch):
    connection.ensure_connection()
    closed = []
    monkeypatch.setattr(connection, "close", lambda: closed.append(1))
    monkeypatch.setattr(connection, "errors_occurred", False)
    return closed


class Task:
    """What the fixup and the receivers read of a task: its request."""

    def __init__(self, *, eager: bool):
        self.request = SimpleNamespace(is_eager=eager)


@pytest.fixture(autouse=True)
def reuse(monkeypatch):
    """Reuse turned on (the setting the fixup reads when a worker starts); the last test checks the default."""
    monkeypatch.setitem(app.conf, "CELERY_DB_REUSE_MAX", 1000)


def run_tasks(count: int, *, eager: bool = False) -> None:
    fixup = DjangoWorkerFixup(app)
    task = Task(eager=eager)
    for number in range(count):
        fixup.on_task_prerun(task)
        task_prerun.send(sender=task, task_id=str(number), task=task, args=(), kwargs={})
        fixup.on_task_postrun(task)
        task_postrun.send(sender=task, task_id=str(number), task=task, args=(), kwargs={}, retval=None, state="")


def test_worker_reuses_the_connection_across_tasks_within_conn_max_age(connection, closes, monkeypatch):
    monkeypatch.setattr(connection, "close_at", time.monotonic() + 60)  # CONN_MAX_AGE = 60
    run_tasks(3)
    assert closes == []  # the fixup alone closed it 6 times: before and after each task


def test_worker_closes_the_connection_once_conn_max_age_ran_out(connection, closes, monkeypatch):
    monkeypatch.setattr(connection, "close_at", time.monotonic() - 1)
    run_tasks(1)
    assert closes


def test_worker_closes_a_connection_with_conn_max_age_zero_after_every_task(connection, closes, monkeypatch):
    # CONN_MAX_AGE = 0: Django sets close_at to the moment of connecting, so it is past at the next check.
    monkeypatch.setattr(connection, "close_at", time.monotonic())
    run_tasks(1)
    assert len(closes) >= 1


def test_worker_never_keeps_a_broken_connection(connection, closes, monkeypatch):
    monkeypatch.setattr(connection, "close_at", time.monotonic() + 60)
    monkeypatch.setattr(connection, "errors_occurred", True)
    monkeypatch.setattr(connection, "is_usable", lambda: False)
    run_tasks(1)
    assert closes


def test_eager_tasks_leave_the_callers_connection_alone(connection, closes, monkeypatch):
    monkeypatch.setattr(connection, "close_at", time.monotonic() - 1)
    run_tasks(2, eager=True)
    assert closes == []


def test_worker_opens_a_connection_per_task_by_default(connection, closes, monkeypatch, settings):
    assert settings.CELERY_DB_REUSE_MAX == 0  # the shipped default
    monkeypatch.setitem(app.conf, "CELERY_DB_REUSE_MAX", settings.CELERY_DB_REUSE_MAX)
    monkeypatch.setattr(connection, "close_at", time.monotonic() + 60)
    run_tasks(2)
    assert len(closes) >= 2  # the fixup closes it around each task
