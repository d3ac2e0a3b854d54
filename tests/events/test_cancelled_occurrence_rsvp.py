"""A cancelled date shows a member who had said "going" that it is cancelled, not "You are going", and offers no
RSVP buttons, on the event's page and in the list."""

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import RsvpStatus
from tests.events.factories import EventOccurrenceFactory, RsvpFactory
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

RSVP_BUTTONS = ('name="going" value="yes"', 'name="going" value="no"')


@pytest.mark.parametrize("status", [RsvpStatus.GOING, RsvpStatus.WAITLISTED])
def test_cancelled_occurrence_shows_cancelled_not_you_are_going(client, club, status):
    occurrence = EventOccurrenceFactory(club=club, title="Smoothie workshop", cancelled_at=timezone.now())
    member = MembershipFactory(club=club).user
    waitlisted_at = timezone.now() if status == RsvpStatus.WAITLISTED else None
    RsvpFactory(occurrence=occurrence, user=member, status=status, waitlisted_at=waitlisted_at)
    client.force_login(member)
    for url in (
        reverse("events:event-detail", args=[club.slug, occurrence.pk]),
        reverse("events:event-list", args=[club.slug]),
    ):
        html = client.get(url).content.decode()
        assert "Smoothie workshop" in html, url
        assert "Cancelled" in html, url
        assert "You are going" not in html, url
        assert "On the waitlist" not in html, url
        assert not any(button in html for button in RSVP_BUTTONS), url


def test_cancelled_occurrence_page_says_it_is_cancelled_where_one_would_answer(client, club):
    occurrence = EventOccurrenceFactory(club=club, cancelled_at=timezone.now())
    member = MembershipFactory(club=club).user
    RsvpFactory(occurrence=occurrence, user=member, status=RsvpStatus.GOING)
    client.force_login(member)
    html = client.get(reverse("events:event-detail", args=[club.slug, occurrence.pk])).content.decode()
    assert 'data-testid="rsvp-cancelled"' in html
    assert "This event is cancelled." in html
