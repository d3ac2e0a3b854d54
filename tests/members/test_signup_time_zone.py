"""A new account's time zone: the browser's, else the club the person is joining, else the site's (issue 23)."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from members.models import User
from tests.factories import ClubFactory, PlanFactory

pytestmark = pytest.mark.django_db

SIGNUP = {"email": "new@example.com", "password1": "a long passphrase 42", "password2": "a long passphrase 42"}


def join_path(club) -> str:
    plan = PlanFactory(club=club)
    return reverse("billing:club-join", args=[club.slug, plan.pk])


def signed_up_zone(client, *, sent: str | None, next_path: str = "") -> str:
    data = dict(SIGNUP)
    if sent is not None:
        data["time_zone"] = sent
    if next_path:
        data["next"] = next_path
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302
    return User.objects.get(email="new@example.com").time_zone


def test_new_account_without_browser_zone_takes_the_clubs_time_zone(client):
    club = ClubFactory(time_zone="Asia/Tokyo")
    assert signed_up_zone(client, sent="", next_path=join_path(club)) == "Asia/Tokyo"


def test_new_account_without_the_field_at_all_takes_the_clubs_time_zone(client):
    club = ClubFactory(time_zone="Asia/Tokyo")
    assert signed_up_zone(client, sent=None, next_path=join_path(club)) == "Asia/Tokyo"


@pytest.mark.parametrize("sent", ["Factory", "Not/AZone", "GMT+0", "<script>"])
def test_new_account_with_an_invalid_browser_zone_takes_the_clubs_time_zone(client, sent):
    club = ClubFactory(time_zone="Asia/Tokyo")
    assert signed_up_zone(client, sent=sent, next_path=join_path(club)) == "Asia/Tokyo"


def test_new_account_keeps_the_browsers_zone_over_the_clubs(client):
    club = ClubFactory(time_zone="Asia/Tokyo")
    assert signed_up_zone(client, sent="America/Sao_Paulo", next_path=join_path(club)) == "America/Sao_Paulo"


def test_new_account_without_browser_zone_or_club_takes_the_site_default(client, settings):
    settings.TIME_ZONE = "Europe/Lisbon"  # the site's default, not the model's "UTC"
    assert signed_up_zone(client, sent="", next_path="") == "Europe/Lisbon"


@pytest.mark.parametrize(
    "next_path",
    ["/clubs/no-such-club/join/1/", "https://evil.example/clubs/x/", "//evil.example/clubs/x/", "/not/a/page/", "x"],
)
def test_new_account_with_an_unknown_or_foreign_next_takes_the_site_default(client, settings, next_path):
    settings.TIME_ZONE = "Europe/Lisbon"
    ClubFactory(slug="x", time_zone="Asia/Tokyo")
    assert signed_up_zone(client, sent="", next_path=next_path) == "Europe/Lisbon"


def test_a_club_page_as_next_also_names_the_club(client):
    club = ClubFactory(time_zone="Australia/Perth")
    assert signed_up_zone(client, sent="", next_path=club.get_absolute_url()) == "Australia/Perth"


def test_join_without_an_account_carries_the_club_to_the_signup_form(client):
    """The no-JavaScript path as a visitor walks it: Join -> log in -> sign up keeps ``next`` to the form."""
    club = ClubFactory(time_zone="Asia/Tokyo")
    path = join_path(club)
    login = client.get(path)
    assert login.status_code == 302 and login["Location"] == f"{reverse('account_login')}?next={path}"
    login_page = client.get(login["Location"]).content.decode()
    assert f"{reverse('account_signup')}?next={quote(path, safe='')}" in login_page
    signup_page = client.get(f"{reverse('account_signup')}?next={quote(path, safe='')}").content.decode()
    assert 'name="next"' in signup_page and f'value="{path}"' in signup_page
    # The form posts to the page's own URL, query string included: the club reaches the adapter either way.
    client.post(f"{reverse('account_signup')}?next={quote(path, safe='')}", {**SIGNUP, "time_zone": ""})
    assert User.objects.get(email="new@example.com").time_zone == "Asia/Tokyo"
