"""Issue 23's audit: bullets whose tests left a part unchecked (the rest are listed in the audit report).

- "A rejected comment or post keeps what the member typed": the post refused by its form (not only after a 429)
  shows the text back in its textarea.
- "Deleting ... an event asks for confirmation": events are removed by cancelling; a whole series too, and its
  page asks first (a GET cancels nothing).
"""

import html

import pytest
from django.urls import reverse

from events.models import EventOccurrence
from feed.forms import ACHIEVEMENT_TEXT_MAX_LENGTH
from feed.models import Achievement
from tests.events.factories import EventOccurrenceFactory
from tests.factories import UserFactory
from tests.feed.factories import member_of

pytestmark = pytest.mark.django_db


def test_refused_post_keeps_what_the_member_typed(client, club):
    member = member_of(club)
    client.force_login(member)
    sentence = "Ran my first 5 km & felt great! "
    typed = (sentence * (ACHIEVEMENT_TEXT_MAX_LENGTH // len(sentence) + 1)).strip()
    assert len(typed) > ACHIEVEMENT_TEXT_MAX_LENGTH  # refused by the form's limit
    response = client.post(reverse("feed:achievement-create", args=[club.slug]), {"text": typed, "tag": "workout"})
    assert response.status_code == 200
    assert f">\n{html.escape(typed, quote=False)}</textarea>" in response.content.decode()  # Django's textarea
    assert not Achievement.objects.exists()


def test_series_cancel_asks_first_and_a_get_cancels_nothing(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(club=club)
    client.force_login(leader)
    url = reverse("events:series-cancel", args=[club.slug, occurrence.series_id])
    page = client.get(url)
    content = page.content.decode()
    assert page.status_code == 200 and '<form method="post"' in content and "Keep it" in content
    assert not EventOccurrence.objects.get(pk=occurrence.pk).is_cancelled
    client.post(url)
    assert EventOccurrence.objects.get(pk=occurrence.pk).is_cancelled
