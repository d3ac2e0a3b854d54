"""`check --deploy` refuses settings that make member email fail to land (issue 19, core/checks.py)."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core.checks import email_settings_check

GOOD_SITE = "https://members.returnpath.app"
GOOD_FROM = "Returnpath <noreply@mail.returnpath.app>"


def ids(settings, *, site: str, sender: str) -> list[str]:
    settings.SITE_URL, settings.DEFAULT_FROM_EMAIL = site, sender
    return [error.id for error in email_settings_check()]


def test_proper_site_url_and_from_pass(settings):
    assert ids(settings, site=GOOD_SITE, sender=GOOD_FROM) == []


@pytest.mark.parametrize("site", ["http://members.returnpath.app", "members.returnpath.app", "", "https://"])
def test_site_url_that_is_not_https_fails_the_deploy_check(settings, site):
    assert ids(settings, site=site, sender=GOOD_FROM) == ["core.E001"]


@pytest.mark.parametrize(
    "sender",
    [
        "Returnpath <noreply@returnpath.local>",  # the old default
        "noreply@clubs.example",
        "noreply@example.com",
        "noreply@mail.test",
        "noreply@returnpath.invalid",
        "noreply@localhost",
        "noreply@LOCALHOST.",
        "noreply@127.0.0.1",
        "not an address",
    ],
)
def test_special_use_from_domain_fails_the_deploy_check(settings, sender):
    assert ids(settings, site=GOOD_SITE, sender=sender) == ["core.E002"]


@pytest.mark.parametrize("sender", ["noreply@localhost.club", "noreply@testing.org", "noreply@mail.examples.net"])
def test_real_domains_that_only_look_special_pass(settings, sender):
    assert ids(settings, site=GOOD_SITE, sender=sender) == []


def test_check_deploy_command_fails_on_special_use_from(settings):
    settings.SITE_URL, settings.DEFAULT_FROM_EMAIL = GOOD_SITE, "Returnpath <noreply@returnpath.local>"
    with pytest.raises(SystemCheckError, match=r"core\.E002"):
        call_command("check", "--deploy", "--tag", "security")


def test_the_check_runs_only_with_deploy(settings):
    settings.SITE_URL, settings.DEFAULT_FROM_EMAIL = "http://127.0.0.1:8000", "noreply@returnpath.local"
    call_command("check")  # development settings are fine outside --deploy
