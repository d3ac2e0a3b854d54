"""The bell and its unread count sit outside the collapsed menu, so a phone (where the menu is folded away) still
shows the count beside the toggle; one bell element for every width, so assistive tech meets one link."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from notifications.models import Notification

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Ancestry(HTMLParser):
    """For every element with an id or a data-testid: the ids of the elements it sits inside."""

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.found: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("data-testid") or attrs.get("id")
        if name:
            self.found.append((name, [element_id for _tag, element_id in self.open if element_id]))
        if tag not in VOID:
            self.open.append((tag, attrs.get("id")))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break


def ancestry(html: str) -> list[tuple[str, list[str]]]:
    parser = Ancestry()
    parser.feed(html)
    return parser.found


def test_navbar_bell_and_count_are_outside_the_collapsed_menu(client, club, member_of):
    member = member_of(club)
    Notification.objects.create(user=member, kind="offer_new", key="1", club=club, params={"offer_title": "A"}, url="/")
    client.force_login(member)
    html = client.get(reverse("clubs:my-clubs")).content.decode()
    found = ancestry(html)
    bells = [parents for name, parents in found if name == "notification-bell"]
    counts = [parents for name, parents in found if name == "notification-count"]
    assert len(bells) == 1  # one bell, one focusable link to the notifications page
    assert len(counts) == 1
    assert "main-nav" not in bells[0]
    assert "main-nav" not in counts[0]
    assert html.count('href="' + reverse("notifications:notification-list") + '"') == 1


def test_navbar_bell_is_not_shown_signed_out(client, club):
    html = client.get(reverse("clubs:club-directory")).content.decode()
    assert 'id="notification-bell"' not in html
