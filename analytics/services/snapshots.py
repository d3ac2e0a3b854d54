"""Nightly history: each club's figures at the end of a day, one row per club per day."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from analytics.db import report_queries
from analytics.models import MetricSnapshot
from analytics.selectors.engagement import attendance_of_day
from analytics.selectors.metrics import period_metrics
from analytics.selectors.nps import nps_by_club
from analytics.selectors.period import Period
from clubs.models import Club

NPS_WINDOW = timedelta(days=90)


@transaction.atomic
def metric_snapshots_take(*, day: date | None = None) -> int:
    """Store every club's figures for ``day`` (UTC; default yesterday). Safe to run twice: it updates.

    The same selectors as the dashboards compute them, so history and live figures agree.
    """
    day = day or timezone.now().date() - timedelta(days=1)
    clubs = Club.objects.all()
    period = Period(first_day=day, last_day=day)
    with report_queries():
        metrics = period_metrics(clubs=clubs, period=period, use_snapshots=False)
    nps = nps_by_club(clubs=clubs, start=period.end - NPS_WINDOW, end=period.end)
    attendance = attendance_of_day(clubs=clubs, day=day)
    for item in metrics.clubs:
        club_nps = nps.get(item.club.pk)
        going, attended = attendance.get(item.club.pk, (0, 0))
        MetricSnapshot.objects.update_or_create(
            club=item.club,
            day=day,
            defaults={
                "members": item.members.end,
                "paying_members": item.money.paying_end,
                "new_members": item.members.new,
                "churned_members": max(item.members.churned, 0),
                "mrr_minor": item.money.minor("mrr_end"),
                "currency": item.money.currency,
                "nps": club_nps.score if club_nps else None,
                "nps_responses": club_nps.answers if club_nps else 0,
                "events_going": going,
                "events_attended": attended,
                "revenue_paid_minor": item.money.revenue_paid,
                "revenue_refunded_minor": item.money.revenue_refunded,
                "paused_members": item.members.paused_end,
                "gift_new_members": item.members.new_from_gifts,
            },
        )
    return len(metrics.clubs)
