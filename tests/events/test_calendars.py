"""Calendar files parse back with the icalendar library with the right times; the feed stays private."""

import zoneinfo
from datetime import UTC, date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from clubs.models import MembershipStatus
from events.models import CalendarFeedToken, Frequency
from events.services.calendars import calendar_token_issue, calendar_token_revoke
from events.services.schedule import EventDetailsInput, EventTimingInput, RecurrenceInput, series_create
from tests.events.factories import EventOccurrenceFactory
from tests.factories import ClubFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def events_of(content: bytes) -> list:
    return list(Calendar.from_ical(content).walk("VEVENT"))


def weekly_across_dst(club, *, title="Tuesday run"):
    """Europe/Berlin switches to summer time on 28 March 2027, between the 2nd and 3rd run."""
    return series_create(
        club=club,
        actor=UserFactory(),
        details=EventDetailsInput(title=title, place="Tiergarten gate", online_url="https://meet.example.com/run"),
        timing=EventTimingInput(start_date=date(2027, 3, 16), start_time=time(19, 0), end_time=time(20, 0)),
        recurrence=RecurrenceInput(frequency=Frequency.WEEKLY, count=4),
        now=datetime(2027, 1, 1, tzinfo=UTC),
    )


def test_event_ics_parses_back_with_the_right_times(client):
    club = ClubFactory(time_zone="Europe/Berlin")
    series = weekly_across_dst(club)
    member = MembershipFactory(club=club).user
    client.force_login(member)
    for occurrence in series.occurrences.all():
        response = client.get(reverse("events:event-ics", args=[club.slug, occurrence.pk]))
        assert response["Content-Type"].startswith("text/calendar")
        assert "no-store" in response["Cache-Control"]
        (event,) = events_of(response.content)
        start = event.decoded("dtstart")
        assert start == occurrence.starts_at
        assert start.astimezone(BERLIN).time() == time(19, 0)
        assert event.decoded("dtend") - start == occurrence.ends_at - occurrence.starts_at
        assert str(event["location"]) == "Tiergarten gate"
        assert str(event["uid"]) == f"event-{occurrence.pk}@returnpath"
    utc_hours = sorted((o.starts_at.astimezone(UTC).hour for o in series.occurrences.all()), reverse=True)
    assert utc_hours == [18, 18, 17, 17]


def test_feed_parses_back_with_the_events_of_clubs_the_member_has_access_to(client):
    club = ClubFactory(time_zone="Europe/Berlin")
    lapsed_club = ClubFactory(time_zone="Europe/Berlin")
    led_club = ClubFactory()
    stranger_club = ClubFactory()
    member = MembershipFactory(club=club).user
    MembershipFactory(club=lapsed_club, user=member, status=MembershipStatus.CANCELED)
    led_club.leaders.add(member)
    series = weekly_across_dst(club)
    weekly_across_dst(lapsed_club, title="Gone club meeting")
    EventOccurrenceFactory(club=led_club, title="Led club meeting")
    EventOccurrenceFactory(club=stranger_club, title="Stranger meeting")
    cancelled = EventOccurrenceFactory(club=club, title="Called off", cancelled_at=timezone.now())
    token = calendar_token_issue(user=member)

    client.logout()  # calendar apps have no session
    response = client.get(reverse("events:calendar-feed", args=[token.token]))
    assert response.status_code == 200
    events = events_of(response.content)
    titles = sorted(str(event["summary"]).split(" · ")[0] for event in events)
    assert titles == ["Called off", "Led club meeting"] + ["Tuesday run"] * 4
    (called_off,) = (event for event in events if str(event["summary"]) == f"Called off · {club.name}")
    assert str(called_off["status"]) == "CANCELLED"
    runs = sorted(event.decoded("dtstart") for event in events if str(event["summary"]).startswith("Tuesday run"))
    assert runs == sorted(o.starts_at for o in series.occurrences.all())
    assert [start.astimezone(BERLIN).time() for start in runs] == [time(19, 0)] * 4
    assert str(called_off["uid"]) == f"event-{cancelled.pk}@returnpath"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_or_replaced_token_answers_404_and_the_new_one_works(client):
    member = MembershipFactory(club=ClubFactory()).user
    old = calendar_token_issue(user=member)
    new = calendar_token_issue(user=member)
    assert client.get(reverse("events:calendar-feed", args=[old.token])).status_code == 404
    assert client.get(reverse("events:calendar-feed", args=[new.token])).status_code == 200
    calendar_token_revoke(user=member)
    assert client.get(reverse("events:calendar-feed", args=[new.token])).status_code == 404
    assert CalendarFeedToken.objects.filter(user=member, revoked_at__isnull=True).count() == 0


def test_a_lapsed_member_feed_keeps_working_but_loses_the_clubs_events(client):
    club = ClubFactory()
    membership = MembershipFactory(club=club)
    EventOccurrenceFactory(club=club, title="Members only")
    token = calendar_token_issue(user=membership.user)
    feed = reverse("events:calendar-feed", args=[token.token])
    assert b"Secret Garden Hall" in client.get(feed).content
    membership.status = MembershipStatus.CANCELED
    membership.save()
    content = client.get(feed).content
    assert events_of(content) == []
    assert b"Secret Garden Hall" not in content and b"meet.example.com" not in content


def test_calendar_settings_page_issues_shows_and_revokes_the_link(client):
    member = MembershipFactory(club=ClubFactory()).user
    client.force_login(member)
    url = reverse("events:calendar-settings")
    client.post(url, {"action": "issue"})
    token = CalendarFeedToken.objects.get(user=member, revoked_at__isnull=True)
    page = client.get(url).content.decode()
    assert token.token in page and "webcal://" in page
    client.post(url, {"action": "revoke"})
    assert not CalendarFeedToken.objects.filter(user=member, revoked_at__isnull=True).exists()
    assert token.token not in client.get(url).content.decode()
