"""Audience segments that read what members do in other apps: events (RSVPs, check-ins) and the feed.

Read through ``clubs.activity``, where events and feed register what counts as member activity, so offers
import neither app: the inactive segment is its one definition of quiet, the attended segment counts the
check-ins events registers there.
"""

from datetime import datetime, timedelta

from django.db.models import QuerySet

from clubs import activity
from clubs.models import Club, Membership


def attended_at_least(
    members: QuerySet[Membership], *, club: Club, minimum: int, now: datetime
) -> QuerySet[Membership]:
    """Members checked in at ``minimum`` or more of this club's events so far."""
    return members.filter(club=club).alias(attended=activity.attendance_count(until=now)).filter(attended__gte=minimum)


def inactive_for(members: QuerySet[Membership], *, club: Club, days: int, now: datetime) -> QuerySet[Membership]:
    """Members of at least ``days`` days who neither answered an event, came to one, nor posted since then.

    Quiet as ``clubs.activity`` defines it: an activity exactly ``days`` ago no longer makes a member active.
    """
    return members.filter(club=club).filter(activity.quiet_since(now - timedelta(days=days)))
