"""Issue 21, "Event changes": a new date, time or place, or a cancellation, reaches everyone going or
waitlisted as an email (old -> new in their zone and language, an updated .ics) and a notification; calendar
apps update the same event (stable UID, SEQUENCE raised, STATUS:CANCELLED, METHOD:PUBLISH, ORGANIZER).

The .ics is read with tests/events/rfc5545.py, not with icalendar (the generator's library), and emails are
read back with the standard library's email parser.
"""

import email
import email.policy
import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events.models import EventChange, EventOccurrence, Frequency, RsvpStatus
from events.services.changes import event_change_notify
from events.services.schedule import (
    EventDetailsInput,
    EventTimingInput,
    RecurrenceInput,
    occurrence_cancel,
    occurrence_update,
    series_create,
    series_update,
)
from notifications.models import Notification, NotificationPreference
from tests.events import rfc5545
from tests.events.factories import CalendarFeedTokenFactory, EventOccurrenceFactory, RsvpFactory
from tests.factories import ClubFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
GERMAN_WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
ROOM = "https://meet.example.com/secret-room"


def ics_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def body_text(message) -> str:
    return parsed(message).get_body(preferencelist=("plain",)).get_content()


def body_html(message) -> str:
    return parsed(message).get_body(preferencelist=("html",)).get_content()


def calendar_attachment(message) -> rfc5545.Component:
    (part,) = [p for p in parsed(message).iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "PUBLISH"
    # A text/* MIME part travels with CRLF line ends (RFC 2046 4.1.1); Python's parser hands them back as LF.
    payload = part.get_payload(decode=True).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return rfc5545.parse(payload)


def outbox_for(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


@pytest.fixture
def berlin_event(db):
    """An event at 19:00 Berlin ten days from now, one seat: one member going, one waitlisted, one not going."""
    club = ClubFactory(time_zone="Europe/Berlin", reply_to_email="hello@club.example.org")
    day = (timezone.now() + timedelta(days=10)).astimezone(BERLIN).date()
    starts_at = datetime.combine(day, time(19, 0), tzinfo=BERLIN).astimezone(UTC)
    occurrence = EventOccurrenceFactory(
        club=club, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), capacity=1, online_url=ROOM
    )
    going = MembershipFactory(club=club, user=UserFactory(preferred_language="de", time_zone="America/New_York")).user
    waiting = MembershipFactory(club=club, user=UserFactory(preferred_language="en", time_zone="Asia/Tokyo")).user
    absent = MembershipFactory(club=club).user
    RsvpFactory(occurrence=occurrence, user=going)
    RsvpFactory(occurrence=occurrence, user=waiting, status=RsvpStatus.WAITLISTED, waitlisted_at=timezone.now())
    RsvpFactory(occurrence=occurrence, user=absent, status=RsvpStatus.NOT_GOING)
    return occurrence, going, waiting, absent


def details_of(occurrence, **changes) -> EventDetailsInput:
    values = {
        "title": occurrence.title,
        "description": occurrence.description,
        "online_url": occurrence.online_url,
        "place": occurrence.place,
        "capacity": occurrence.capacity,
    }
    return EventDetailsInput(**{**values, **changes})


def timing_at(occurrence, *, start: time, end: time) -> EventTimingInput:
    day = occurrence.starts_at.astimezone(BERLIN).date()
    return EventTimingInput(start_date=day, start_time=start, end_time=end)


def move(occurrence, callbacks, **changes):
    with callbacks(execute=True):
        return occurrence_update(
            occurrence=occurrence,
            details=details_of(occurrence, **changes),
            timing=timing_at(occurrence, start=time(20, 30), end=time(22, 0)),
        )


def test_time_and_place_change_emails_going_and_waitlisted_old_to_new_in_their_zone_and_language(
    berlin_event, django_capture_on_commit_callbacks
):
    occurrence, going, waiting, absent = berlin_event
    old_start = occurrence.starts_at
    new_start = datetime.combine(old_start.astimezone(BERLIN).date(), time(20, 30), tzinfo=BERLIN)
    move(occurrence, django_capture_on_commit_callbacks, place="New hall, Gartenstraße 5")

    assert outbox_for(absent) == []
    (to_going,) = outbox_for(going)
    (to_waiting,) = outbox_for(waiting)
    text = body_text(to_going)
    # In New York time, in German (Django's German weekday names), old -> new.
    assert old_start.astimezone(NEW_YORK).strftime("%H:%M") in text
    assert new_start.astimezone(NEW_YORK).strftime("%H:%M") in text
    assert GERMAN_WEEKDAYS[new_start.astimezone(NEW_YORK).weekday()] in text
    assert "Secret Garden Hall → New hall, Gartenstraße 5" in text
    waiting_text = body_text(to_waiting)
    assert old_start.astimezone(TOKYO).strftime("%H:%M") in waiting_text
    assert new_start.astimezone(TOKYO).strftime("%H:%M") in waiting_text
    assert "waitlist" in waiting_text


def test_change_notice_carries_an_ics_that_updates_the_same_event(berlin_event, django_capture_on_commit_callbacks):
    occurrence, going, _waiting, _absent = berlin_event
    moved = move(occurrence, django_capture_on_commit_callbacks, place="New hall")
    calendar = calendar_attachment(outbox_for(going)[0])
    assert calendar.value("METHOD") == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert event.value("UID") == f"event-{occurrence.pk}@returnpath"
    assert event.value("SEQUENCE") == "1"
    assert event.value("STATUS") == "CONFIRMED"
    assert event.value("DTSTART") == ics_utc(moved.starts_at)
    assert event.value("DTEND") == ics_utc(moved.ends_at)
    assert event.text("LOCATION") == "New hall"
    organizer = event.get("ORGANIZER")
    assert organizer.value == "mailto:hello@club.example.org"
    assert organizer.params["CN"] == occurrence.club.name
    assert event.value("DTSTAMP").endswith("Z") and event.value("LAST-MODIFIED").endswith("Z")
    assert event.value("URL") == ROOM  # going: the link is theirs


def test_waitlisted_members_never_get_the_online_link_in_the_notice(berlin_event, django_capture_on_commit_callbacks):
    occurrence, going, waiting, _absent = berlin_event
    move(occurrence, django_capture_on_commit_callbacks, online_url="https://meet.example.com/new-room")
    (to_waiting,) = outbox_for(waiting)
    for content in (body_text(to_waiting), body_html(to_waiting)):
        assert "meet.example.com" not in content
    (event,) = calendar_attachment(to_waiting).walk("VEVENT")
    assert event.get("URL") is None and "meet.example.com" not in (event.text("DESCRIPTION") or "")
    assert "https://meet.example.com/new-room" in body_text(outbox_for(going)[0])


def test_cancellation_tells_going_and_waitlisted_with_status_cancelled(
    berlin_event, django_capture_on_commit_callbacks
):
    occurrence, going, waiting, absent = berlin_event
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_cancel(occurrence=occurrence)
    assert outbox_for(absent) == []
    for person in (going, waiting):
        (message,) = outbox_for(person)
        (event,) = calendar_attachment(message).walk("VEVENT")
        assert event.value("STATUS") == "CANCELLED"
        assert event.value("SEQUENCE") == "1"
        assert event.value("UID") == f"event-{occurrence.pk}@returnpath"
    assert set(Notification.objects.filter(kind="event_cancelled").values_list("user_id", flat=True)) == {
        going.pk,
        waiting.pk,
    }


def test_sequence_rises_on_every_change_and_the_feed_shows_it(client, berlin_event, django_capture_on_commit_callbacks):
    occurrence, going, _waiting, _absent = berlin_event
    move(occurrence, django_capture_on_commit_callbacks, place="Hall A")
    occurrence.refresh_from_db()
    move(occurrence, django_capture_on_commit_callbacks, place="Hall B")
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_cancel(occurrence=occurrence)
    occurrence.refresh_from_db()
    assert occurrence.sequence == 3
    assert list(EventChange.objects.filter(occurrence=occurrence).values_list("sequence", flat=True)) == [1, 2, 3]
    token = CalendarFeedTokenFactory(user=going)
    (event,) = rfc5545.parse(client.get(reverse("events:calendar-feed", args=[token.token])).content).walk("VEVENT")
    assert (event.value("SEQUENCE"), event.value("STATUS")) == ("3", "CANCELLED")
    assert event.get("ORGANIZER").value.startswith("mailto:")


def test_change_notice_is_sent_once_per_occurrence_and_sequence(berlin_event, django_capture_on_commit_callbacks):
    occurrence, _going, _waiting, _absent = berlin_event
    move(occurrence, django_capture_on_commit_callbacks, place="Hall A")
    sent = len(mail.outbox)
    change = EventChange.objects.get(occurrence=occurrence)
    assert change.notified_at is not None
    assert event_change_notify(change_pk=change.pk) == 0  # the task again (a retry, a duplicate message)
    assert len(mail.outbox) == sent == 2
    assert Notification.objects.filter(kind="event_changed").count() == 2


def test_notification_names_what_changed_and_email_follows_the_members_choice(
    berlin_event, django_capture_on_commit_callbacks
):
    occurrence, going, waiting, _absent = berlin_event
    NotificationPreference.objects.create(user=waiting, kind="event_changed", email="never")
    move(occurrence, django_capture_on_commit_callbacks, place="Hall A")
    assert outbox_for(waiting) == [] and len(outbox_for(going)) == 1
    notices = {n.user_id: n for n in Notification.objects.filter(kind="event_changed")}
    assert set(notices) == {going.pk, waiting.pk}
    assert notices[going.pk].params["changed"] == ["time", "place"]
    assert notices[going.pk].url == occurrence.get_absolute_url()


def test_a_capacity_change_alone_tells_nobody_and_keeps_the_sequence(berlin_event, django_capture_on_commit_callbacks):
    occurrence, *_people = berlin_event
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_update(
            occurrence=occurrence,
            details=details_of(occurrence, capacity=5),
            timing=timing_at(occurrence, start=time(19, 0), end=time(20, 0)),
        )
    occurrence.refresh_from_db()
    assert occurrence.sequence == 0
    assert not EventChange.objects.exists()
    assert [m.subject for m in mail.outbox if "Changed" in m.subject] == []


def test_moving_a_series_tells_the_members_of_each_date(django_capture_on_commit_callbacks):
    club = ClubFactory(time_zone="Europe/Berlin")
    first = (timezone.now() + timedelta(days=8)).astimezone(BERLIN).date()
    details = EventDetailsInput(title="Run", place="Gate")
    series = series_create(
        club=club,
        actor=UserFactory(),
        details=details,
        timing=EventTimingInput(start_date=first, start_time=time(19, 0), end_time=time(20, 0)),
        recurrence=RecurrenceInput(frequency=Frequency.WEEKLY, count=2),
    )
    member = MembershipFactory(club=club).user
    for occurrence in series.occurrences.all():
        RsvpFactory(occurrence=occurrence, user=member)
    with django_capture_on_commit_callbacks(execute=True):
        series_update(
            series=series,
            details=details,
            timing=EventTimingInput(start_date=first, start_time=time(18, 0), end_time=time(19, 0)),
            recurrence=RecurrenceInput(frequency=Frequency.WEEKLY, count=2),
        )
    assert len(outbox_for(member)) == 2
    assert sorted(EventOccurrence.objects.filter(series=series).values_list("sequence", flat=True)) == [1, 1]
    for message in outbox_for(member):
        (event,) = calendar_attachment(message).walk("VEVENT")
        local = datetime.strptime(event.value("DTSTART"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone(BERLIN)
        assert local.time() == time(18, 0)


def test_cancelled_by_hand_then_notified_tells_once_with_a_raised_sequence(berlin_event):
    """The entry kept for older queued tasks: a cancellation without a change row gets one."""
    from events.services.notifications import occurrence_cancellation_notify

    occurrence, _going, _waiting, _absent = berlin_event
    EventOccurrence.objects.filter(pk=occurrence.pk).update(cancelled_at=timezone.now())
    assert occurrence_cancellation_notify(occurrence_pk=occurrence.pk) == 2
    assert occurrence_cancellation_notify(occurrence_pk=occurrence.pk) == 0
    occurrence.refresh_from_db()
    assert occurrence.sequence == 1 and occurrence.cancellation_notified_at is not None
