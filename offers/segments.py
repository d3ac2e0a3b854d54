"""Audience segments that read what members do in other apps: events (RSVPs, check-ins) and the feed.

Read through ``apps.get_model`` so offers never import those apps' code, only their tables:
``events.Attendance`` (a check-in), ``events.Rsvp`` (an answer to an event) and ``feed.Achievement``
(a post). Activity = any of the three.
"""

from datetime import datetime, timedelta

from django.apps import apps
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from clubs.models import Club, Membership


def attended_at_least(
    members: QuerySet[Membership], *, club: Club, minimum: int, now: datetime
) -> QuerySet[Membership]:
    """Members checked in at ``minimum`` or more of this club's events so far."""
    attendance = apps.get_model("events", "Attendance")
    counts = (
        attendance.objects.filter(occurrence__club=club, user=OuterRef("user_id"), checked_in_at__lte=now)
        .order_by()
        .values("user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return members.alias(attended=Coalesce(Subquery(counts, output_field=IntegerField()), 0)).filter(
        attended__gte=minimum
    )


def inactive_for(members: QuerySet[Membership], *, club: Club, days: int, now: datetime) -> QuerySet[Membership]:
    """Members of at least ``days`` days who neither answered an event, came to one, nor posted since then."""
    since = now - timedelta(days=days)
    rsvp = apps.get_model("events", "Rsvp")
    attendance = apps.get_model("events", "Attendance")
    achievement = apps.get_model("feed", "Achievement")
    return (
        members.filter(started_at__lte=since)
        .exclude(Exists(rsvp.objects.filter(occurrence__club=club, user=OuterRef("user_id"), responded_at__gt=since)))
        .exclude(
            Exists(attendance.objects.filter(occurrence__club=club, user=OuterRef("user_id"), checked_in_at__gt=since))
        )
        .exclude(Exists(achievement.objects.filter(club=club, author=OuterRef("user_id"), created_at__gt=since)))
    )
