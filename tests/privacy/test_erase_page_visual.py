"""The erasure page as a member sees it (visual review, 2026-12-02): the choice about posts and comments is a
labelled group of radio buttons. The shared form partial used to give them Bootstrap's text-box class, so they
rendered as two empty bars above their labels."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


class Radios(HTMLParser):
    """Each radio input (its classes, and the legend of its fieldset) and the fieldsets' legends."""

    def __init__(self):
        super().__init__()
        self.radios: list[dict] = []
        self.legends: list[str] = []
        self._fieldset_depth = 0
        self._in_legend = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "fieldset":
            self._fieldset_depth += 1
        elif tag == "legend":
            self._in_legend = True
            self.legends.append("")
        elif tag == "input" and attrs.get("type") == "radio":
            self.radios.append({**attrs, "in_fieldset": self._fieldset_depth > 0})

    def handle_endtag(self, tag):
        if tag == "fieldset":
            self._fieldset_depth -= 1
        elif tag == "legend":
            self._in_legend = False

    def handle_data(self, data):
        if self._in_legend:
            self.legends[-1] += data


def test_erase_page_posts_choice_is_radio_buttons_not_text_boxes(client, club):
    member = MembershipFactory(club=club, plan=club.plans.first()).user
    client.force_login(member)
    parser = Radios()
    parser.feed(client.get(reverse("privacy:erase")).content.decode())
    assert [radio["value"] for radio in parser.radios] == ["delete", "keep"]
    for radio in parser.radios:
        classes = radio["class"].split()
        assert "form-check-input" in classes and "form-control" not in classes
        assert radio["in_fieldset"] and radio["name"] == "posts"
    assert [radio for radio in parser.radios if "checked" in radio] == [parser.radios[0]]  # the initial choice
    assert any(legend.strip().startswith("Your posts and comments") for legend in parser.legends)
