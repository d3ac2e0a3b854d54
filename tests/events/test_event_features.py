"""Issue 21, "Calendars and events": the online link only for those going, a map link for the place, and a
cover image through the one image pipeline (members/images.py), served only to the member area."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from events.models import EventSeries, RsvpStatus
from tests.events import rfc5545
from tests.events.factories import (
    CalendarFeedTokenFactory,
    EventOccurrenceFactory,
    RsvpFactory,
    cover_upload,
    occurrence_with_cover,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOM = "meet.example.com/secret-room"


@pytest.mark.parametrize("status", [None, RsvpStatus.WAITLISTED, RsvpStatus.NOT_GOING])
def test_online_link_is_not_in_the_page_or_calendar_of_members_not_going(client, club, status):
    occurrence = EventOccurrenceFactory(club=club)
    member = MembershipFactory(club=club).user
    if status:
        RsvpFactory(occurrence=occurrence, user=member, status=status, waitlisted_at=timezone.now())
    client.force_login(member)
    token = CalendarFeedTokenFactory(user=member)
    pages = [
        occurrence.get_absolute_url(),
        reverse("events:event-list", args=[club.slug]),
        reverse("events:event-ics", args=[club.slug, occurrence.pk]),
        reverse("events:calendar-feed", args=[token.token]),
    ]
    for url in pages:
        assert ROOM not in client.get(url).content.decode(), url
    assert "shown here once you are going" in client.get(occurrence.get_absolute_url()).content.decode()


def test_online_link_is_shown_to_members_going_in_page_file_and_feed(client, club):
    occurrence = EventOccurrenceFactory(club=club)
    member = MembershipFactory(club=club).user
    RsvpFactory(occurrence=occurrence, user=member)
    client.force_login(member)
    assert ROOM in client.get(occurrence.get_absolute_url()).content.decode()
    (event,) = rfc5545.parse(client.get(reverse("events:event-ics", args=[club.slug, occurrence.pk])).content).walk(
        "VEVENT"
    )
    assert event.value("URL") == f"https://{ROOM}"
    token = CalendarFeedTokenFactory(user=member)
    feed = rfc5545.parse(client.get(reverse("events:calendar-feed", args=[token.token])).content)
    assert [e.value("URL") for e in feed.walk("VEVENT")] == [f"https://{ROOM}"]


def test_place_has_an_openstreetmap_search_link(client, club):
    occurrence = EventOccurrenceFactory(club=club, place="Café Müller & Söhne, Berlin")
    client.force_login(MembershipFactory(club=club).user)
    html = client.get(occurrence.get_absolute_url()).content.decode()
    (href,) = [part.split('"')[0] for part in html.split('href="')[1:] if "openstreetmap.org" in part]
    parts = urlsplit(href.replace("&amp;", "&"))
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.openstreetmap.org", "/search")
    assert parse_qs(parts.query) == {"query": ["Café Müller & Söhne, Berlin"]}


def test_leader_adds_a_cover_with_the_form_and_members_see_it(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(club=club)
    client.force_login(leader)
    url = reverse("events:event-edit", args=[club.slug, occurrence.pk])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    assert (
        client.post(url, {**data, "cover": cover_upload("../../evil.html.png", size=(3000, 1000))}).status_code == 302
    )
    series = EventSeries.objects.get(pk=occurrence.series_id)
    assert series.cover_image.name.startswith(f"event-covers/{club.pk}/") and "evil" not in series.cover_image.name
    with Image.open(series.cover_image.path) as stored:
        assert max(stored.size) == 1600  # re-encoded by the pipeline at the cover's size
    member = MembershipFactory(club=club).user
    client.force_login(member)
    cover_url = reverse("events:event-cover", args=[club.slug, series.pk])
    assert cover_url in client.get(occurrence.get_absolute_url()).content.decode()
    assert cover_url in client.get(reverse("events:event-list", args=[club.slug])).content.decode()
    response = client.get(cover_url)
    assert response["Content-Type"] == "image/png" and "private" in response["Cache-Control"]


def test_cover_refuses_a_file_that_is_not_an_image_and_saves_nothing(client, club):
    from django.core.files.uploadedfile import SimpleUploadedFile

    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(club=club, title="Before")
    client.force_login(leader)
    url = reverse("events:event-edit", args=[club.slug, occurrence.pk])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    fake = SimpleUploadedFile("cover.png", b"<html>not an image</html>", content_type="image/png")
    response = client.post(url, {**data, "title": "After", "cover": fake})
    assert response.status_code == 200 and "form" in response.context
    assert response.context["form"].errors["cover"]
    occurrence.refresh_from_db()
    assert occurrence.title == "Before" and not occurrence.series.cover_image


def test_cover_is_removed_on_request(client, club, django_capture_on_commit_callbacks):
    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = occurrence_with_cover(club)
    path = occurrence.series.cover_image.path
    client.force_login(leader)
    url = reverse("events:event-edit", args=[club.slug, occurrence.pk])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**data, "remove_cover": "on"}).status_code == 302
    occurrence.series.refresh_from_db()
    assert not occurrence.series.cover_image
    import os

    assert not os.path.exists(path)
