"""Races on PostgreSQL: several calls released at the same instant, each in a thread with its own connection."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection


def require_postgresql(reason: str = "needs PostgreSQL's concurrency; runs under CI=true") -> None:
    """SQLite serialises every write, so a race there proves nothing: skip with the reason."""
    if connection.vendor != "postgresql":
        pytest.skip(reason)


def at_once(*calls: Callable) -> tuple[list, list[Exception]]:
    """Run the calls together (a barrier releases them at once); returns (results, errors) in finish order."""
    barrier = threading.Barrier(len(calls))
    results: list = []
    errors: list[Exception] = []

    def run(call: Callable) -> None:
        try:
            barrier.wait()
            results.append(call())
        except Exception as error:  # handed to the test, which asserts on it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
