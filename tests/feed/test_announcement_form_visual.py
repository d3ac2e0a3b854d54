"""The announcement form's button (visual review, 2026-12-02): it said "Post", a msgid the catalogs translate as
the noun ("Beitrag", "منشور", "نوشته", as the reports list needs it), so German, Arabic and Persian leaders saw a
button labelled "Post (noun)". It now says what it does, with a msgid of its own."""

import re

import pytest
from django.urls import reverse

from tests.feed.factories import leader_of

pytestmark = pytest.mark.django_db


def submit_labels(html: str) -> list[str]:
    main = html.split("<main", 1)[1]
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r'<button type="submit"[^>]*>(.*?)</button>', main, re.S)
    ]


def test_announcement_form_button_is_an_action_not_the_noun_post(client, club):
    client.force_login(leader_of(club))
    html = client.get(reverse("feed:announcement-create", args=[club.slug])).content.decode()
    labels = submit_labels(html)
    assert "Post the announcement" in labels
    assert "Post" not in labels
