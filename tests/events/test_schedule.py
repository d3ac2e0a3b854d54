"""Planning events: series creation in the club's time zone, editing one date vs the series, cancelling."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail

from clubs.models import MembershipStatus
from events.exceptions import ScheduleError
from events.models import EventOccurrence, Frequency, RsvpStatus
from events.services.schedule import (
    EventDetailsInput,
    EventTimingInput,
    RecurrenceInput,
    occurrence_cancel,
    occurrence_update,
    series_cancel,
    series_create,
    series_update,
)
from tests.events.factories import EventOccurrenceFactory, RsvpFactory
from tests.factories import ClubFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)
DETAILS = EventDetailsInput(title="Weekly meeting", place="Room 2", capacity=10, rsvp_hours_before=2)
TUESDAYS_AT_SEVEN = EventTimingInput(start_date=date(2027, 3, 2), start_time=time(19, 0), end_time=time(20, 30))
SIX_WEEKS = RecurrenceInput(frequency=Frequency.WEEKLY, count=6)


@pytest.fixture
def ny_club(db):
    return ClubFactory(time_zone="America/New_York")


def plan(club, **overrides):
    arguments = {
        "club": club,
        "actor": UserFactory(),
        "details": DETAILS,
        "timing": TUESDAYS_AT_SEVEN,
        "recurrence": SIX_WEEKS,
        "now": NOW,
    }
    return series_create(**{**arguments, **overrides})


def local_times(series):
    return [
        occurrence.starts_at.astimezone(NEW_YORK).strftime("%m-%d %H:%M")
        for occurrence in series.occurrences.order_by("starts_at")
    ]


def test_series_create_stores_each_occurrence_at_the_same_local_time_across_dst(ny_club):
    series = plan(ny_club)
    occurrences = list(series.occurrences.order_by("starts_at"))
    assert len(occurrences) == 6
    # New York moves to summer time on 14 March 2027: UTC shifts, the local time does not.
    assert local_times(series) == [
        "03-02 19:00",
        "03-09 19:00",
        "03-16 19:00",
        "03-23 19:00",
        "03-30 19:00",
        "04-06 19:00",
    ]
    assert [o.starts_at.astimezone(UTC).hour for o in occurrences] == [0, 0, 23, 23, 23, 23]
    first = occurrences[0]
    assert first.ends_at - first.starts_at == timedelta(hours=1, minutes=30)
    assert first.rsvp_deadline == first.starts_at - timedelta(hours=2)
    assert (first.title, first.place, first.capacity) == ("Weekly meeting", "Room 2", 10)


def test_first_date_in_the_past_is_refused_and_nothing_is_stored(ny_club):
    with pytest.raises(ScheduleError):
        plan(ny_club, now=datetime(2027, 3, 10, tzinfo=UTC))
    assert not EventOccurrence.objects.exists()


def test_repeating_event_without_an_end_or_beyond_twelve_months_is_refused(ny_club):
    with pytest.raises(ScheduleError):
        plan(ny_club, recurrence=RecurrenceInput(frequency=Frequency.WEEKLY))
    with pytest.raises(ScheduleError):
        plan(ny_club, recurrence=RecurrenceInput(frequency=Frequency.WEEKLY, until=date(2028, 6, 1)))
    assert not EventOccurrence.objects.exists()


def test_editing_one_occurrence_leaves_the_rest_of_the_series_alone(ny_club):
    series = plan(ny_club)
    second = series.occurrences.order_by("starts_at")[1]
    occurrence_update(
        occurrence=second,
        details=EventDetailsInput(title="Special guest night", place="Big hall", capacity=40),
        timing=EventTimingInput(start_date=date(2027, 3, 10), start_time=time(18, 0), end_time=time(21, 0)),
        now=NOW,
    )
    second.refresh_from_db()
    assert second.is_edited
    assert second.title == "Special guest night"
    assert second.starts_at.astimezone(NEW_YORK) == datetime(2027, 3, 10, 18, 0, tzinfo=NEW_YORK)
    others = series.occurrences.exclude(pk=second.pk)
    assert set(others.values_list("title", flat=True)) == {"Weekly meeting"}
    assert set(others.values_list("place", flat=True)) == {"Room 2"}


def test_editing_the_series_changes_upcoming_dates_but_not_edited_or_past_ones(ny_club):
    series = plan(ny_club)
    first, _second, third = series.occurrences.order_by("starts_at")[:3]
    occurrence_update(
        occurrence=third,
        details=EventDetailsInput(title="Picnic instead", place="Park"),
        timing=EventTimingInput(start_date=date(2027, 3, 16), start_time=time(12, 0), end_time=time(14, 0)),
        now=NOW,
    )
    after_the_first = first.ends_at + timedelta(minutes=1)
    series_update(
        series=series,
        details=EventDetailsInput(title="Weekly meeting (new room)", place="Room 7", capacity=12),
        timing=EventTimingInput(start_date=date(2027, 3, 2), start_time=time(18, 0), end_time=time(19, 0)),
        recurrence=SIX_WEEKS,
        now=after_the_first,
    )
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.title, first.place) == ("Weekly meeting", "Room 2")  # past: history stays
    assert (third.title, third.place) == ("Picnic instead", "Park")  # edited on its own
    upcoming = series.occurrences.filter(is_edited=False, starts_at__gt=after_the_first)
    assert upcoming.count() == 4
    assert set(upcoming.values_list("place", flat=True)) == {"Room 7"}
    assert {o.starts_at.astimezone(NEW_YORK).time() for o in upcoming} == {time(18, 0)}
    assert series.occurrences.count() == 6


def test_shortening_a_series_cancels_answered_dates_and_removes_empty_ones(ny_club, django_capture_on_commit_callbacks):
    series = plan(ny_club)
    last, before_last = series.occurrences.order_by("-starts_at")[:2]
    member = MembershipFactory(club=ny_club).user
    RsvpFactory(occurrence=before_last, user=member, status=RsvpStatus.GOING)
    with django_capture_on_commit_callbacks(execute=True):
        series_update(
            series=series,
            details=DETAILS,
            timing=TUESDAYS_AT_SEVEN,
            recurrence=RecurrenceInput("weekly", count=4),
            now=NOW,
        )
    assert not EventOccurrence.objects.filter(pk=last.pk).exists()
    before_last.refresh_from_db()
    assert before_last.is_cancelled
    assert [message.to for message in mail.outbox] == [[member.email]]


def test_lengthening_a_series_adds_the_new_dates(ny_club):
    series = plan(ny_club)
    series_update(
        series=series, details=DETAILS, timing=TUESDAYS_AT_SEVEN, recurrence=RecurrenceInput("weekly", count=8), now=NOW
    )
    assert series.occurrences.count() == 8
    assert local_times(series)[-1] == "04-20 19:00"


def test_cancelling_an_occurrence_emails_those_going_once(club, django_capture_on_commit_callbacks):
    occurrence = EventOccurrenceFactory(club=club, title="Board games night")
    going = [MembershipFactory(club=club).user for _ in range(2)]
    for user in going:
        RsvpFactory(occurrence=occurrence, user=user, status=RsvpStatus.GOING)
    RsvpFactory(occurrence=occurrence, user=MembershipFactory(club=club).user, status=RsvpStatus.NOT_GOING)
    lapsed = MembershipFactory(club=club, status=MembershipStatus.CANCELED).user
    RsvpFactory(occurrence=occurrence, user=lapsed, status=RsvpStatus.GOING)
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_cancel(occurrence=occurrence)
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_cancel(occurrence=occurrence)  # twice: no second email
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in going)
    message = mail.outbox[0]
    assert "Board games night" in message.subject and "Cancelled" in message.subject
    assert "Secret Garden Hall" not in message.body and "meet.example.com" not in message.body
    assert message.alternatives and "Board games night" in message.alternatives[0][0]


def test_cancelling_a_series_cancels_only_upcoming_dates(club):
    past = EventOccurrenceFactory(club=club, starts_in=timedelta(days=-7))
    upcoming = EventOccurrenceFactory(club=club, series=past.series, original_date=date(2099, 1, 1))
    assert series_cancel(series=past.series) == 1
    past.refresh_from_db()
    upcoming.refresh_from_db()
    assert not past.is_cancelled and upcoming.is_cancelled
