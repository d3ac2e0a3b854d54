"""Sums over the closed days of a period from the nightly snapshots, and what is left to read live.

A year's attendance or revenue is 365 snapshot rows per club instead of every RSVP or invoice of the
year. Only whole UTC days (the snapshots' days) that have ended are read from them, and only when every
club shown has a snapshot holding the figure for each of those days; the hours before the first and
after the last whole day, or the whole period otherwise, are read live by the caller.
"""

from datetime import UTC, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum

from clubs.models import Club

Ranges = list[tuple[datetime, datetime]]


def closed_days(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The whole UTC days inside ``start``..``end`` that have ended by ``now``, as [first, last)."""
    first = datetime.combine(start.astimezone(UTC).date(), time.min, tzinfo=UTC)
    if first < start:
        first += timedelta(days=1)
    last = datetime.combine(min(end, now).astimezone(UTC).date(), time.min, tzinfo=UTC)
    return first, max(first, last)


def snapshot_sums(
    *, clubs: QuerySet[Club], start: datetime, end: datetime, now: datetime, fields: tuple[str, ...]
) -> tuple[dict[int, tuple[int, ...]], Ranges]:
    """Per club, the sums of the snapshots' ``fields`` over the closed days (1 query), and the ranges to read live.

    A snapshot taken before a field was counted holds it empty and does not count as covering its day.
    """
    end = min(end, now)
    first, last = closed_days(start, end, now)
    days = (last - first).days
    if days:
        in_days = Q(
            metric_snapshots__day__gte=first.date(),
            metric_snapshots__day__lt=last.date(),
            **{f"metric_snapshots__{name}__isnull": False for name in fields},
        )
        sums = {name: Sum(f"metric_snapshots__{name}", filter=in_days) for name in fields}
        rows = clubs.order_by().annotate(days=Count("metric_snapshots", filter=in_days), **sums)
        rows = list(rows.values("id", "days", *fields))
        if rows and all(row["days"] == days for row in rows):
            covered = {row["id"]: tuple(row[name] or 0 for name in fields) for row in rows}
            return covered, [(a, b) for a, b in ((start, first), (last, end)) if a < b]
    return {}, [(start, end)] if start < end else []


def in_ranges(field: str, ranges: Ranges) -> Q:
    """``field`` inside one of ``ranges`` (each [start, end))."""
    condition = Q(pk__in=[])
    for start, end in ranges:
        condition |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return condition
