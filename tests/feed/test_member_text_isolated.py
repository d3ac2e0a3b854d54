"""Member-written text on right-to-left pages is isolated (dir="auto" or <bdi>), so "Ran my first 5 km!" keeps its
punctuation at its end on an Arabic page instead of the "!" jumping to the left of the sentence."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.feed.factories import AchievementFactory, CommentFactory, member_of

POST = "Ran my first 5 km!"
COMMENT = "Great pace, see you Sunday?"
NAME = "Sam O'Neil (coach)"


class IsolationFinder(HTMLParser):
    """For each text node holding one of ``needles``: was it inside an element with dir="auto" or a <bdi>?"""

    VOID = frozenset(["img", "input", "br", "hr", "meta", "link", "source", "wbr", "area", "col", "embed"])

    def __init__(self, needles):
        super().__init__(convert_charrefs=True)
        self.needles, self.stack, self.found = needles, [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            # The window title is no markup (no <bdi> there): the browser's chrome lays it out on its own.
            self.stack.append(tag in ("bdi", "title") or dict(attrs).get("dir") == "auto")

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for needle in self.needles:
            if needle in data:
                self.found.append((needle, any(self.stack)))


def isolation(html: str, needles) -> list:
    finder = IsolationFinder(needles)
    finder.feed(html)
    return finder.found


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["feed:feed", "feed:achievement-detail"])
def test_member_text_is_isolated_on_arabic_pages(client, club, page):
    author = member_of(club, display_name=NAME)
    achievement = AchievementFactory(club=club, author=author, text=POST)
    CommentFactory(achievement=achievement, author=author, text=COMMENT)
    client.force_login(member_of(club, preferred_language="ar"))
    args = [club.slug] if page == "feed:feed" else [club.slug, achievement.pk]
    html = client.get(reverse(page, args=args)).content.decode()
    found = isolation(html, [POST, COMMENT, NAME] if page != "feed:feed" else [POST, NAME])
    assert found, "the member's text is not on the page"
    assert all(isolated for _needle, isolated in found), found
