"""Database settings for report queries."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection


@contextmanager
def report_queries() -> Iterator[None]:
    """Run the dashboards' grouped queries without PostgreSQL's JIT compiler.

    Their correlated subqueries make the planner's cost estimate large, so PostgreSQL JIT-compiles
    them; measured in bench/analytics, compiling took longer (about 1.5 s) than running the query.
    Session-level and reset afterwards, so other queries on a reused connection keep the default.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET jit")
        except DatabaseError:
            pass  # an aborted transaction: the connection is rolled back or closed and the setting goes with it
