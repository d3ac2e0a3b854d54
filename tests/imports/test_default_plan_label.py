"""The upload form's empty plan choice has a real label ("No plan"), not Django's "---------"."""

import re

import pytest
from django.urls import reverse

from tests.imports.helpers import leader_of

pytestmark = pytest.mark.django_db


def test_default_plan_empty_choice_is_labelled_no_plan(client, club):
    client.force_login(leader_of(club))
    html = client.get(reverse("imports:import-start", args=[club.slug])).content.decode()
    select = re.search(r'<select name="default_plan".*?</select>', html, re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))
    assert options[0] == ("", "No plan")
    assert "---------" not in select.group(0)
    # Then each of the club's plans by its own name (the conftest's club has these three), not "Club — Plan".
    assert sorted(label for _value, label in options[1:]) == sorted(["Monthly", "6 months", "Yearly"])
