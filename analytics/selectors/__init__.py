"""Reads of the analytics app. A dashboard (``Dashboard``) runs a fixed number of queries whatever the member count."""

from datetime import datetime
from functools import cached_property

from django.db.models import QuerySet, Sum
from django.utils import timezone

from analytics.models import ClubNpsSettings, MetricSnapshot
from analytics.selectors.cohorts import Cohort, cohort_retention
from analytics.selectors.engagement import INACTIVE_THRESHOLDS, ClubEngagement, engagement_by_club, inactive_members
from analytics.selectors.metrics import PeriodMetrics, period_metrics
from analytics.selectors.nps import NpsFigures, NpsMonth, nps_by_club, nps_comments, nps_for, nps_trend
from analytics.selectors.period import Period
from automations.selectors import ReasonCount, cancellation_reason_counts
from clubs.models import Club, Membership
from members.models import User
from members.permissions import user_has_staff_powers


class Dashboard:
    """Everything one dashboard shows for ``clubs`` (one club for a leader, all for staff).

    Each part is read when first used, so a CSV download of one table runs only that table's queries.
    """

    def __init__(self, *, clubs: QuerySet[Club], period: Period, with_member_list: bool, now: datetime | None = None):
        self.clubs = clubs
        self.period = period
        self.with_member_list = with_member_list
        self.now = now or timezone.now()

    @cached_property
    def metrics(self) -> PeriodMetrics:
        return period_metrics(clubs=self.clubs, period=self.period)

    @cached_property
    def cohorts(self) -> list[Cohort]:
        return cohort_retention(clubs=self.clubs, period=self.period, now=self.now)

    @cached_property
    def nps(self) -> NpsFigures:
        return nps_for(clubs=self.clubs, start=self.period.start, end=self.period.end)

    @cached_property
    def nps_per_club(self) -> dict[int, NpsFigures]:
        return nps_by_club(clubs=self.clubs, start=self.period.start, end=self.period.end)

    @cached_property
    def nps_trend(self) -> list[NpsMonth]:
        return nps_trend(clubs=self.clubs, period=self.period)

    @cached_property
    def nps_comments(self) -> list:
        return list(nps_comments(clubs=self.clubs, period=self.period))

    @cached_property
    def engagement(self) -> dict[int, ClubEngagement]:
        return engagement_by_club(clubs=self.clubs, period=self.period, now=self.now)

    @cached_property
    def engagement_total(self) -> ClubEngagement:
        total = ClubEngagement(inactive=dict.fromkeys(INACTIVE_THRESHOLDS, 0))
        for figures in self.engagement.values():
            total.add(figures)
        return total

    @cached_property
    def cancellation_reasons(self) -> list[ReasonCount]:
        """Why members cancelled in the period, as they told the cancellation form (automations app)."""
        return cancellation_reason_counts(clubs=self.clubs, start=self.period.start, end=self.period.end)

    @cached_property
    def history(self) -> list[dict]:
        return snapshot_history(clubs=self.clubs, period=self.period)

    @cached_property
    def inactive(self) -> list[Membership] | None:
        """A leader's page: the quietest members by name (staff pages show the counts only)."""
        return list(inactive_members(clubs=self.clubs, now=self.now)) if self.with_member_list else None


def clubs_for_staff(*, user: User) -> QuerySet[Club]:
    return Club.objects.all() if user_has_staff_powers(user) else Club.objects.none()


def snapshot_history(*, clubs: QuerySet[Club], period: Period) -> list[dict]:
    """Day by day members and MRR (per currency) from the nightly snapshots in the period (1 query)."""
    return list(
        MetricSnapshot.objects.filter(club__in=clubs, day__gte=period.first_day, day__lte=period.last_day)
        .order_by("day", "currency")
        .values("day", "currency")
        .annotate(members=Sum("members"), paying=Sum("paying_members"), mrr_minor=Sum("mrr_minor"))
    )


def nps_settings_for(*, club: Club) -> ClubNpsSettings:
    """The club's NPS settings, or the defaults (unsaved) when its leaders never changed them."""
    return ClubNpsSettings.objects.filter(club=club).first() or ClubNpsSettings(club=club)
