"""Cohort retention: of the members who joined in a month, the share still there k months later."""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from analytics.selectors.history import first_lapse
from analytics.selectors.period import Period
from clubs.models import Club, Membership

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class CohortCell:
    offset: int
    retained: int
    percent: float

    @property
    def bucket(self) -> int:
        """0-10 for the heatmap's CSS class (analytics.css: .heat-0 … .heat-10)."""
        return min(10, max(0, int(self.percent // 10)))


@dataclass(frozen=True)
class Cohort:
    month: date
    size: int
    cells: list[CohortCell | None]  # None: that month has not ended yet


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_end(index: int, tz) -> datetime:
    year, month = divmod(index + 1, 12)
    return datetime(year, month + 1, 1, tzinfo=tz)


def cohort_retention(*, clubs: QuerySet[Club], period: Period, now: datetime | None = None) -> list[Cohort]:
    """Cohorts by the month members first joined, for join months within the period (1 query).

    A member counts as retained at month k while they have not lapsed (canceled or expired) by the
    end of their join month + k; coming back later does not put them back in their first cohort.
    """
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(period.time_zone)
    rows = (
        Membership.objects.filter(club__in=clubs, started_at__gte=period.start, started_at__lt=period.end)
        .annotate(cohort=TruncMonth("started_at", tzinfo=tz), lapsed_month=TruncMonth(first_lapse(), tzinfo=tz))
        .order_by()
        .values("cohort", "lapsed_month")
        .annotate(count=Count("pk"))
    )
    sizes: dict[int, int] = defaultdict(int)
    lapses: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        cohort = _month_index(_as_date(row["cohort"]))
        sizes[cohort] += row["count"]
        if row["lapsed_month"] is not None:
            lapses[cohort][_month_index(_as_date(row["lapsed_month"])) - cohort] += row["count"]
    cohorts = []
    for index in sorted(sizes):
        size, lapsed, cells = sizes[index], 0, []
        for offset in range(MONTHS_SHOWN):
            lapsed += lapses[index].get(offset, 0)
            if _month_end(index + offset, tz) > now:
                cells.append(None)
                continue
            retained = size - lapsed
            cells.append(CohortCell(offset=offset, retained=retained, percent=retained * 100 / size))
        year, month = divmod(index, 12)
        cohorts.append(Cohort(month=date(year, month + 1, 1), size=size, cells=cells))
    return cohorts


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value
