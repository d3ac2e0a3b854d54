"""Which language a page speaks: the member's setting, else the browser, else the club's default, else English;
the layout's switcher; right-to-left for Arabic and Persian; emails in each recipient's language."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.factories import ClubFactory, UserFactory


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


@pytest.mark.django_db
def test_english_when_nothing_says_otherwise(client):
    response = client.get(reverse("clubs:club-directory"))
    assert html_tag(response) == '<html lang="en" dir="ltr">'
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_browser_language_is_used_for_visitors(client):
    response = client.get(reverse("clubs:club-directory"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert html_tag(response) == '<html lang="de" dir="ltr">'
    assert "Finde deinen Club" in response.content.decode()


@pytest.mark.django_db
def test_unsupported_browser_languages_are_skipped_for_the_next_supported_one(client):
    response = client.get(reverse("clubs:club-directory"), HTTP_ACCEPT_LANGUAGE="ja,fa;q=0.8")
    assert html_tag(response) == '<html lang="fa" dir="rtl">'


@pytest.mark.django_db
def test_club_default_language_speaks_to_visitors_whose_browser_says_nothing(client):
    club = ClubFactory(default_language="ar")
    response = client.get(club.get_absolute_url())
    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    assert response["Content-Language"] == "ar"
    # Outside the club's pages the site stays English.
    assert 'lang="en"' in html_tag(client.get(reverse("clubs:club-directory")))


@pytest.mark.django_db
def test_browser_language_wins_over_the_club_default(client):
    club = ClubFactory(default_language="ar")
    response = client.get(club.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de")
    assert 'lang="de"' in html_tag(response)


@pytest.mark.django_db
def test_member_setting_wins_over_browser_and_club(client):
    club = ClubFactory(default_language="ar")
    client.force_login(UserFactory(preferred_language="de"))
    response = client.get(club.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fa")
    assert 'lang="de"' in html_tag(response)


@pytest.mark.django_db
def test_member_without_a_setting_follows_browser_then_club(client):
    club = ClubFactory(default_language="fa")
    client.force_login(UserFactory(preferred_language=""))
    assert 'lang="fa"' in html_tag(client.get(club.get_absolute_url()))
    assert 'lang="de"' in html_tag(client.get(club.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de"))


@pytest.mark.django_db
def test_switcher_remembers_a_visitors_choice_over_the_browser(client):
    response = client.post(reverse("members:language"), {"language": "fa", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fa"
    page = client.get(reverse("clubs:club-directory"), HTTP_ACCEPT_LANGUAGE="de")
    assert 'lang="fa" dir="rtl"' in html_tag(page)


@pytest.mark.django_db
def test_switcher_is_in_the_layout_for_visitors_and_members(client):
    html = client.get(reverse("clubs:club-directory")).content.decode()
    arabic, persian = (translation.get_language_info(code)["name_local"] for code in ("ar", "fa"))
    assert f'action="{reverse("members:language")}"' in html and 'value="ar"' in html and arabic in html
    client.force_login(UserFactory())
    html = client.get(reverse("clubs:my-clubs")).content.decode()
    assert f'action="{reverse("members:language")}"' in html and persian in html


@pytest.mark.django_db
def test_switcher_saves_a_members_choice_to_the_profile_for_every_device(client):
    user = UserFactory(preferred_language="")
    client.force_login(user)
    client.post(reverse("members:language"), {"language": "ar", "next": "/my/clubs/"})
    user.refresh_from_db()
    assert user.preferred_language == "ar"
    other_device = type(client)()
    other_device.force_login(user)
    assert 'lang="ar" dir="rtl"' in html_tag(other_device.get(reverse("clubs:my-clubs")))


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "direction", "stylesheet"), [
    ("en", "ltr", "bootstrap.min.css"),
    ("de", "ltr", "bootstrap.min.css"),
    ("ar", "rtl", "bootstrap.rtl.min.css"),
    ("fa", "rtl", "bootstrap.rtl.min.css"),
])  # fmt: skip
def test_right_to_left_languages_get_bootstraps_rtl_build(client, language, direction, stylesheet):
    html = client.get(reverse("clubs:club-directory"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert f"vendor/bootstrap/{stylesheet}" in html
    other = "bootstrap.min.css" if direction == "rtl" else "bootstrap.rtl.min.css"
    assert f"vendor/bootstrap/{other}" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ar", "fa"])
def test_allauth_pages_render_in_the_language_and_right_to_left(client, language):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert f'<html lang="{language}" dir="rtl">' in html
    with translation.override(language):
        assert translation.gettext("Sign In") in html and translation.gettext("Sign In") != "Sign In"


@pytest.mark.django_db
def test_admin_is_right_to_left_in_arabic(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, preferred_language="ar"))
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 200 and response.request["PATH_INFO"] == reverse("admin:index")
    assert re.search(r'<html lang="ar" dir="rtl"', response.content.decode())


@pytest.mark.django_db
def test_allauth_emails_go_out_in_the_recipients_language(client):
    UserFactory(email="leila@example.com", preferred_language="fa")
    client.post(reverse("account_reset_password"), {"email": "leila@example.com"}, HTTP_ACCEPT_LANGUAGE="de")
    (message,) = mail.outbox
    with translation.override("fa"):
        subject = translation.gettext("Password Reset Email")
    assert subject != "Password Reset Email" and subject in message.subject


@pytest.mark.django_db
def test_allauth_emails_to_someone_without_a_setting_use_the_page_language(client):
    client.post(
        reverse("account_signup"),
        {"email": "neu@example.com", "password1": "ein-langes-passwort-42", "password2": "ein-langes-passwort-42"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    (message,) = mail.outbox
    with translation.override("de"):
        subject = translation.gettext("Please Confirm Your Email Address")
    assert subject != "Please Confirm Your Email Address" and subject in message.subject


@pytest.mark.django_db
def test_a_request_leaves_no_language_behind_for_the_next_one(client):
    """Threads serve one request after another: a Persian page must not make the next code speak Persian."""
    client.get(reverse("clubs:club-directory"), HTTP_ACCEPT_LANGUAGE="fa")
    assert translation.get_language() == settings.LANGUAGE_CODE
