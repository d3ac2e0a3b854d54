"""The event change email read right to left (visual review, 2026-12-02): old -> new must point from the old value
to the new one. "→" is not mirrored by the bidi algorithm, so on an Arabic or Persian email it pointed back at
the old time; right-to-left emails use "←" (in both parts), left-to-right ones keep "→"."""

import pytest
from django.core import mail

from events.models import RsvpStatus
from tests.events.test_changes import berlin_event, body_html, body_text, move, outbox_for  # noqa: F401 (fixture)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "arrow", "wrong"), [("ar", "←", "→"), ("fa", "←", "→"), ("en", "→", "←")])
def test_change_email_arrow_points_from_old_to_new_in_the_reading_direction(
    berlin_event,  # noqa: F811 (the fixture imported above)
    django_capture_on_commit_callbacks,
    language,
    arrow,
    wrong,
):
    occurrence, going, _waiting, _absent = berlin_event
    reader = MembershipFactory(club=occurrence.club, user=UserFactory(preferred_language=language)).user
    occurrence.rsvps.filter(user=going).update(user=reader, status=RsvpStatus.GOING)
    mail.outbox.clear()
    move(occurrence, django_capture_on_commit_callbacks, place="New hall, Gartenstraße 5")
    (message,) = outbox_for(reader)
    for body in (body_html(message), body_text(message)):
        assert body.count(arrow) == 2  # the time, then the place
        assert wrong not in body
