"""Access-matrix rows for the events app's URLs (collected by tests/test_access_matrix.py).

Member pages behave like the club's member area: log in first, and without access go to the club's page.
Leader pages answer 404 to everyone else. The calendar feed ignores the session: only its token counts.
"""

from django.urls import reverse
from django.utils import timezone

from events.models import EventOccurrence
from tests.access import LEADERS_ONLY, LOGIN, MEMBER_AREA, Page, everyone, signed_in
from tests.events.factories import CalendarFeedTokenFactory, EventOccurrenceFactory, occurrence_with_cover
from tests.factories import MembershipFactory


def event_url(name: str):
    return lambda club: reverse(f"events:{name}", args=[club.slug, EventOccurrenceFactory(club=club).pk])


def series_url(name: str):
    return lambda club: reverse(f"events:{name}", args=[club.slug, EventOccurrenceFactory(club=club).series_id])


def the_event(club) -> str:
    return EventOccurrence.objects.get(club=club).get_absolute_url()


def member_area_then(target) -> dict:
    return {**MEMBER_AREA, "member": target, "leader": target, "staff": target}


def leaders_then(target) -> dict:
    return {**LEADERS_ONLY, "leader": target, "staff": target}


def member_attendance_url(club):
    return reverse("events:member-attendance", args=[club.slug, MembershipFactory(club=club).user_id])


def feed_url(*, revoked: bool = False):
    def url(club):
        membership = MembershipFactory(club=club)
        token = CalendarFeedTokenFactory(user=membership.user, revoked_at=timezone.now() if revoked else None)
        return reverse("events:calendar-feed", args=[token.token])

    return url


PAGES = [
    Page("event-list", lambda club: reverse("events:event-list", args=[club.slug]), MEMBER_AREA),
    Page("event-archive", lambda club: reverse("events:event-archive", args=[club.slug]), MEMBER_AREA),
    Page("event-detail", event_url("event-detail"), MEMBER_AREA),
    Page("event-ics", event_url("event-ics"), MEMBER_AREA),
    # An empty answer is refused with a message; members land back on the event.
    Page("event-rsvp-post", event_url("event-rsvp"), member_area_then(the_event), method="post"),
    Page("event-create", lambda club: reverse("events:event-create", args=[club.slug]), LEADERS_ONLY),
    Page("event-edit", event_url("event-edit"), LEADERS_ONLY),
    Page("event-cancel", event_url("event-cancel"), LEADERS_ONLY),
    Page("event-cancel-post", event_url("event-cancel"), leaders_then(the_event), method="post"),
    Page("event-checkin", event_url("event-checkin"), LEADERS_ONLY),
    Page(
        "event-checkin-post",
        event_url("event-checkin"),
        leaders_then(lambda club: reverse("events:event-checkin", args=[club.slug, EventOccurrence.objects.get().pk])),
        method="post",
    ),
    Page("series-edit", series_url("series-edit"), LEADERS_ONLY),
    Page("series-cancel", series_url("series-cancel"), LEADERS_ONLY),
    # The cover image is member content, like the event page it heads.
    Page(
        "event-cover",
        lambda club: reverse("events:event-cover", args=[club.slug, occurrence_with_cover(club).series_id]),
        MEMBER_AREA,
    ),
    Page("event-cover-missing", series_url("event-cover"), {**MEMBER_AREA, "member": 404, "leader": 404, "staff": 404}),
    Page("member-attendance", member_attendance_url, LEADERS_ONLY),
    Page("my-attendance", lambda club: reverse("events:my-attendance"), signed_in(200)),
    Page("calendar-settings", lambda club: reverse("events:calendar-settings"), signed_in(200)),
    Page(
        "calendar-settings-post",
        lambda club: reverse("events:calendar-settings"),
        {**everyone(lambda club: reverse("events:calendar-settings")), "anonymous": LOGIN},
        method="post",
    ),
    Page("calendar-feed", feed_url(), everyone(200)),
    Page("calendar-feed-revoked-token", feed_url(revoked=True), everyone(404)),
    Page(
        "calendar-feed-wrong-token",
        lambda club: reverse("events:calendar-feed", args=["not-a-real-token-0123456789abcdefghijklmnop"]),
        everyone(404),
    ),
]
