"""Automation settings: every number has its range in the form, shown next to the field and checked by the
form with a clear message; out-of-range input changed nothing and never gave a 500 (issue 16)."""

import pytest
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse

from automations.forms import AutomationSettingsForm
from automations.models import ClubAutomationSettings
from tests.automations.test_views import _form_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The values the issue found giving a 500, with the model's own bounds as the reference.
OUT_OF_RANGE = {
    "renewal_reminder_days": 61,
    "welcome_nudge_days": 1000,
    "inactivity_days": 100000,
    "win_back_stage1_percent": 101,
    "referral_credit_minor": 999999999999,
    "save_offer_percent": 0,
    "referral_friend_percent": 0,
}


def bounds(name: str) -> tuple[int, int]:
    validators = ClubAutomationSettings._meta.get_field(name).validators
    low = next(v.limit_value for v in validators if isinstance(v, MinValueValidator))
    high = next(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
    return low, high


@pytest.fixture
def leader_client(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(("name", "value"), OUT_OF_RANGE.items(), ids=OUT_OF_RANGE.keys())
def test_out_of_range_automation_setting_is_refused_with_a_message_not_a_500(leader_client, club, name, value):
    response = leader_client.post(reverse("automations:settings", args=[club.slug]), _form_data(**{name: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [name]
    low, high = bounds(name)
    assert str(low if value < low else high) in errors[name][0]  # says the limit that was crossed
    assert not ClubAutomationSettings.objects.filter(club=club).exists()  # nothing saved


@pytest.mark.parametrize(("name", "value"), OUT_OF_RANGE.items(), ids=OUT_OF_RANGE.keys())
def test_each_limit_itself_is_accepted(leader_client, club, name, value):
    low, high = bounds(name)
    limit = low if value < low else high
    response = leader_client.post(reverse("automations:settings", args=[club.slug]), _form_data(**{name: limit}))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert getattr(ClubAutomationSettings.objects.get(club=club), name) == limit


def test_every_number_field_shows_its_range_next_to_it(club):
    form = AutomationSettingsForm(club=club)
    numbers = [name for name, field in form.fields.items() if field.__class__.__name__ == "IntegerField"]
    assert len(numbers) >= 12
    for name in numbers:
        low, high = bounds(name)
        field = form.fields[name]
        assert (field.widget.attrs["min"], field.widget.attrs["max"]) == (low, high)
        assert f"Between {low:,} and {high:,}." in str(field.help_text)
        html = str(form[name])
        assert f'min="{low}"' in html and f'max="{high}"' in html
