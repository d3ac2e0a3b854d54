"""The profile's time zone picker: grouped by region, without "Factory" and "GMT+0"-style aliases."""

import zoneinfo

import pytest

from members.forms import ProfileForm
from members.time_zones import picker_choices
from tests.factories import UserFactory


def offered(choices) -> list[str]:
    return [name for value, label in choices for name in ([value] if isinstance(label, str) else [z for z, _ in label])]


def test_picker_groups_zones_by_region_without_aliases():
    choices = picker_choices()
    names = offered(choices)
    for alias in ("Factory", "GMT+0", "GMT", "US/Eastern", "Etc/GMT-3", "localtime", "Canada/Pacific"):
        assert alias not in names
    assert {"Europe/Berlin", "Asia/Tehran", "America/Argentina/Buenos_Aires", "UTC"} <= set(names)
    assert all(name in zoneinfo.available_timezones() for name in names)
    groups = [str(value) for value, label in choices if not isinstance(label, str)]
    assert groups[:2] == ["Africa", "Americas"]


@pytest.mark.django_db
def test_profile_form_renders_optgroups_and_keeps_a_legacy_value():
    form = ProfileForm(instance=UserFactory(time_zone="US/Eastern"))
    html = str(form["time_zone"])
    assert '<optgroup label="Europe">' in html
    assert 'value="US/Eastern" selected' in html
    assert 'value="Factory"' not in html


SIGNUP = {"email": "new@example.com", "password1": "a long passphrase 42", "password2": "a long passphrase 42"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sent", "kept"), [("Asia/Tehran", "Asia/Tehran"), ("Factory", "UTC"), ("Not/AZone", "UTC"), ("", "UTC")]
)
def test_signup_takes_the_browsers_time_zone_or_keeps_utc(client, sent, kept):
    from django.urls import reverse

    from members.models import User

    page = client.get(reverse("account_signup")).content.decode()
    assert 'type="hidden" name="time_zone"' in page and "data-browser-time-zone" in page
    assert "js/time-zone.js" in page
    response = client.post(reverse("account_signup"), {**SIGNUP, "time_zone": sent})
    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").time_zone == kept


@pytest.mark.django_db
def test_profile_picker_carries_the_filter_hooks():
    html = str(ProfileForm(instance=UserFactory())["time_zone"])
    assert "data-time-zone-picker" in html and "data-filter-label" in html
