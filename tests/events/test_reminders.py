"""Reminders 24 h and 1 h before, to those going: each once, in the member's language and time zone."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clubs.models import MembershipStatus
from events.models import EventReminder, ReminderKind, RsvpStatus
from events.services.notifications import event_reminders_send
from events.tasks import send_event_reminders
from tests.concurrency import at_once, require_postgresql
from tests.events.factories import EventOccurrenceFactory, RsvpFactory
from tests.factories import ClubFactory, MembershipFactory


def going_member(occurrence, **user_fields):
    membership = MembershipFactory(club=occurrence.club, **({"user__" + k: v for k, v in user_fields.items()}))
    return RsvpFactory(occurrence=occurrence, user=membership.user, status=RsvpStatus.GOING)


@pytest.mark.django_db
def test_reminder_task_run_twice_sends_each_reminder_once(club):
    tomorrow = EventOccurrenceFactory(club=club, starts_in=timedelta(hours=20), title="Tomorrow's walk")
    soon = EventOccurrenceFactory(club=club, starts_in=timedelta(minutes=40), title="Soon yoga")
    going_member(tomorrow)
    going_member(soon)
    assert send_event_reminders() == 2
    assert send_event_reminders() == 0
    assert sorted(message.subject for message in mail.outbox) == [
        "Starting in an hour: Soon yoga",
        "Tomorrow: Tomorrow's walk",
    ]
    assert set(EventReminder.objects.values_list("kind", flat=True)) == {
        ReminderKind.DAY_BEFORE,
        ReminderKind.HOUR_BEFORE,
    }


@pytest.mark.django_db
def test_a_member_gets_the_day_before_then_the_hour_before_reminder(club):
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(hours=23))
    going_member(occurrence)
    now = timezone.now()
    assert event_reminders_send(now=now) == 1
    assert event_reminders_send(now=now + timedelta(hours=21)) == 0  # 2 hours before: nothing due
    assert event_reminders_send(now=now + timedelta(hours=22, minutes=30)) == 1
    assert event_reminders_send(now=now + timedelta(hours=22, minutes=45)) == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_reminders_respect_the_preference_access_the_answer_and_cancellation(club):
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(hours=20))
    wanted = going_member(occurrence)
    going_member(occurrence, email_event_reminders=False)
    lapsed = going_member(occurrence)
    lapsed.user.memberships.update(status=MembershipStatus.CANCELED)
    RsvpFactory(occurrence=occurrence, user=MembershipFactory(club=club).user, status=RsvpStatus.NOT_GOING)
    RsvpFactory(occurrence=occurrence, user=MembershipFactory(club=club).user, status=RsvpStatus.WAITLISTED)
    cancelled = EventOccurrenceFactory(club=club, starts_in=timedelta(hours=20), cancelled_at=timezone.now())
    going_member(cancelled)
    assert event_reminders_send() == 1
    assert [message.to for message in mail.outbox] == [[wanted.user.email]]


@pytest.mark.django_db
def test_answering_after_the_reminder_moment_skips_that_reminder(club):
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(hours=10))
    rsvp = going_member(occurrence)
    rsvp.responded_at = timezone.now()
    rsvp.save()
    assert event_reminders_send() == 0


@pytest.mark.django_db
def test_reminder_is_in_the_members_language_and_time_zone_with_the_place_and_link():
    club = ClubFactory(time_zone="Europe/Berlin", default_language="en")
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(hours=20))
    rsvp = going_member(occurrence, preferred_language="de", time_zone="Asia/Tokyo")
    event_reminders_send()
    body = mail.outbox[0].body
    tokyo = timezone.localtime(occurrence.starts_at, timezone=timezone.get_fixed_timezone(9 * 60))
    assert f"{tokyo:%H:%M}" in body
    assert "(JST)" in body
    german_weekdays = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
    assert any(day in body for day in german_weekdays), body
    assert "Secret Garden Hall" in body and "https://meet.example.com/secret-room" in body
    assert rsvp.user.email in mail.outbox[0].to


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_the_same_moment_send_once():
    """Two beat workers overlap (PostgreSQL: the unique claim row serialises them)."""
    require_postgresql()
    club = ClubFactory()
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(hours=20))
    for _ in range(5):
        going_member(occurrence)
    counts, errors = at_once(event_reminders_send, event_reminders_send)
    assert errors == []
    assert sum(counts) == 5
    assert len(mail.outbox) == 5
    assert EventReminder.objects.count() == 5
