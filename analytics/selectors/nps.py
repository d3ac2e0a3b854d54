"""Net Promoter Score: % promoters (9-10) - % detractors (0-6) of the answers given in a period."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from analytics.models import DETRACTOR_MAX_SCORE, PROMOTER_MIN_SCORE, NpsResponse
from analytics.selectors.period import Period
from clubs.models import Club
from core.formatting import round_half_up

COMMENTS_SHOWN = 20

_COUNTS = {
    "answers": Count("pk"),
    "promoters": Count("pk", filter=Q(score__gte=PROMOTER_MIN_SCORE)),
    "detractors": Count("pk", filter=Q(score__lte=DETRACTOR_MAX_SCORE)),
}


@dataclass(frozen=True)
class NpsFigures:
    answers: int
    promoters: int
    detractors: int

    @property
    def passives(self) -> int:
        return self.answers - self.promoters - self.detractors

    @property
    def score(self) -> int | None:
        """From -100 (all detractors) to +100 (all promoters); None without answers."""
        if not self.answers:
            return None
        return int(round_half_up(Fraction((self.promoters - self.detractors) * 100, self.answers)))

    def share(self, count: int) -> float | None:
        return count * 100 / self.answers if self.answers else None


@dataclass(frozen=True)
class NpsMonth:
    month: date
    figures: NpsFigures


def _answers(*, clubs: QuerySet[Club], start: datetime, end: datetime) -> QuerySet[NpsResponse]:
    return NpsResponse.objects.filter(club__in=clubs, answered_at__gte=start, answered_at__lt=end)


def nps_for(*, clubs: QuerySet[Club], start: datetime, end: datetime) -> NpsFigures:
    return NpsFigures(**_answers(clubs=clubs, start=start, end=end).aggregate(**_COUNTS))


def nps_by_club(*, clubs: QuerySet[Club], start: datetime, end: datetime) -> dict[int, NpsFigures]:
    rows = _answers(clubs=clubs, start=start, end=end).order_by().values("club_id").annotate(**_COUNTS)
    return {row.pop("club_id"): NpsFigures(**row) for row in rows}


def nps_trend(*, clubs: QuerySet[Club], period: Period) -> list[NpsMonth]:
    """The score month by month within the period (1 query)."""
    rows = (
        _answers(clubs=clubs, start=period.start, end=period.end)
        .annotate(month=TruncMonth("answered_at", tzinfo=zoneinfo.ZoneInfo(period.time_zone)))
        .order_by("month")
        .values("month")
        .annotate(**_COUNTS)
    )
    trend = []
    for row in rows:
        month = row.pop("month")
        trend.append(NpsMonth(month=month.date() if isinstance(month, datetime) else month, figures=NpsFigures(**row)))
    return trend


def nps_comments(*, clubs: QuerySet[Club], period: Period, limit: int | None = COMMENTS_SHOWN) -> QuerySet[NpsResponse]:
    """The newest answers with a comment; who wrote them is not shown, so members speak freely."""
    comments = (
        _answers(clubs=clubs, start=period.start, end=period.end)
        .exclude(comment="")
        .select_related("club")
        .order_by("-answered_at", "-pk")
    )
    return comments[:limit] if limit else comments
