"""Names and titles inside a notification are isolated (visual review, 2026-12-02). On the Arabic notifications
page "Tara Trial commented on your post: “Amazing, well done!”" showed the quote's "!" and closing mark on the
wrong side, because the English excerpt ran into the Arabic sentence. Each parameter now sits in a <bdi> (the
page, the notification email and the digest); the words around it are the kind's one translation."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from members.models import User
from notifications.models import Notification

pytestmark = pytest.mark.django_db

ACTOR = "Tara Trial"
EXCERPT = "Amazing, well done!"


class Bdis(HTMLParser):
    """The text of every <bdi> inside the notification list, and all text of the list."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bdis: list[str] = []
        self.list_text = ""
        self._in_list = 0
        self._in_bdi = False

    def handle_starttag(self, tag, attrs):
        if dict(attrs).get("data-testid") == "notification-list":
            self._in_list = 1
        elif self._in_list and tag == "ul":
            self._in_list += 1
        if self._in_list and tag == "bdi":
            self._in_bdi = True
            self.bdis.append("")

    def handle_endtag(self, tag):
        if tag == "bdi":
            self._in_bdi = False
        elif tag == "ul" and self._in_list:
            self._in_list -= 1

    def handle_data(self, data):
        if self._in_list:
            self.list_text += data
            if self._in_bdi:
                self.bdis[-1] += data


@pytest.mark.parametrize("language", ["ar", "en"])
def test_notification_list_isolates_each_name_and_excerpt(client, club, member_of, language):
    member = member_of(club)
    User.objects.filter(pk=member.pk).update(preferred_language=language)
    Notification.objects.create(
        user=member,
        kind="reply",
        key="1",
        club=club,
        params={"comment_id": 1, "actor_name": ACTOR, "excerpt": EXCERPT},
        url="/",
    )
    client.force_login(member)
    parser = Bdis()
    parser.feed(client.get(reverse("notifications:notification-list")).content.decode())
    assert parser.bdis == [ACTOR, EXCERPT]


def test_isolated_text_is_still_escaped(client, club, member_of):
    member = member_of(club)
    Notification.objects.create(
        user=member, kind="cheer", key="1", club=club, params={"actor_name": "<b>Eve</b>\u2069 & co"}, url="/"
    )
    client.force_login(member)
    html = client.get(reverse("notifications:notification-list")).content.decode()
    assert "<bdi>&lt;b&gt;Eve&lt;/b&gt; &amp; co</bdi> cheered your post." in html
    assert "<b>Eve</b>" not in html
