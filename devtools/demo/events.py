"""Demo events for ``manage.py seed_demo``: safe to run again (finds its rows by title, creates nothing twice)."""

import zoneinfo
from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from clubs.models import Club
from events.models import Attendance, EventOccurrence, EventSeries, Frequency, RsvpStatus
from events.recurrence import local_to_utc
from events.services.rsvps import rsvp_set
from events.services.schedule import EventDetailsInput, EventTimingInput, RecurrenceInput, series_create
from members.models import User

WEEKLY_TITLE = "Weekly check-in meeting"
PAST_TITLE = "Kick-off picnic"
GOING = ("member@example.com", "trial@example.com", "pastdue@example.com")


@transaction.atomic
def seed_events_demo(*, club: Club, leader: User) -> None:
    now = timezone.now()
    if not EventSeries.objects.filter(club=club, title=WEEKLY_TITLE).exists():
        local_today = timezone.localtime(now, timezone=_zone(club)).date()
        next_tuesday = local_today + timedelta(days=(1 - local_today.weekday()) % 7 or 7)
        series = series_create(
            club=club,
            actor=leader,
            details=EventDetailsInput(
                title=WEEKLY_TITLE,
                description="Share what went well this week and plan the next one. Bring a friend from the club!",
                online_url="https://meet.example.com/healthy-and-happy",
                place="Community Centre, Room 2",
                capacity=12,
                rsvp_hours_before=2,
            ),
            timing=EventTimingInput(start_date=next_tuesday, start_time=time(19, 0), end_time=time(20, 0)),
            recurrence=RecurrenceInput(frequency=Frequency.WEEKLY, count=12),
            now=now,
        )
        first = series.occurrences.order_by("starts_at").first()
        for user in User.objects.filter(email__in=GOING):
            rsvp_set(occurrence_pk=first.pk, user=user, going=True, now=now)
    if not EventSeries.objects.filter(club=club, title=PAST_TITLE).exists():
        _past_event(club=club, leader=leader, now=now)


def _zone(club: Club) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(club.time_zone)


def _past_event(*, club: Club, leader: User, now) -> None:
    """History cannot be planned through the service (it refuses the past), so the demo writes it directly."""
    day = timezone.localtime(now, timezone=_zone(club)).date() - timedelta(days=10)
    starts_at = local_to_utc(day=day, at=time(12, 0), time_zone=club.time_zone)
    series = EventSeries.objects.create(
        club=club,
        created_by=leader,
        title=PAST_TITLE,
        description="Our first meeting in the park.",
        place="Riverside Park, by the fountain",
        time_zone=club.time_zone,
        start_date=day,
        start_time=time(12, 0),
        duration=timedelta(hours=2),
    )
    occurrence = EventOccurrence.objects.create(
        series=series,
        club=club,
        original_date=day,
        title=series.title,
        description=series.description,
        place=series.place,
        starts_at=starts_at,
        ends_at=starts_at + series.duration,
        rsvp_deadline=starts_at,
    )
    for user in User.objects.filter(email__in=GOING[:2]):
        occurrence.rsvps.create(user=user, status=RsvpStatus.GOING, responded_at=starts_at - timedelta(days=2))
        Attendance.objects.create(
            occurrence=occurrence, user=user, checked_in_at=starts_at + timedelta(minutes=5), checked_in_by=leader
        )
