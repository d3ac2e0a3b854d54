import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse


@pytest.fixture
def mfa_required(settings):
    settings.REQUIRE_STAFF_MFA = True


def test_staff_without_mfa_are_sent_to_set_it_up(mfa_required, actor_client):
    client, _staff = actor_client("staff")
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain == [(reverse("mfa_index"), 302)]
    assert "two-factor authentication" in response.content.decode()


def test_every_admin_page_is_guarded_including_billing(mfa_required, actor_client):
    client, _staff = actor_client("staff")
    for url in (reverse("billing-overview"), reverse("admin:clubs_membership_changelist")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_staff_with_totp_enabled_use_the_admin(mfa_required, actor_client):
    client, staff = actor_client("staff")
    TOTP.activate(staff, generate_totp_secret())
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("billing-overview")).status_code == 200


def test_mfa_setup_pages_stay_reachable_for_staff_without_mfa(mfa_required, actor_client):
    client, _staff = actor_client("staff")
    assert client.get(reverse("mfa_index")).status_code == 200
    activate = client.get(reverse("mfa_activate_totp"))
    # allauth asks for the password again before showing a secret; it never loops back to the guard.
    assert activate.status_code == 302 and activate["Location"].startswith(reverse("account_reauthenticate"))


def test_members_are_never_asked_and_may_opt_in(mfa_required, actor_client):
    client, _member = actor_client("member")
    assert client.get(reverse("clubs:my-clubs")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200


def test_off_locally_and_in_tests(actor_client):
    client, _staff = actor_client("staff")
    assert client.get(reverse("admin:index")).status_code == 200


def test_production_requires_it_by_default_and_logs_json_and_lets_health_checks_use_http():
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "x" * 50}
    env["ALLOWED_HOSTS"] = "example.com"
    for name in ("REQUIRE_STAFF_MFA", "LOG_FORMAT", "REDIS_URL"):
        env.pop(name, None)
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps(["
        "s.REQUIRE_STAFF_MFA, s.LOGGING['handlers']['console']['formatter'], s.SECURE_REDIRECT_EXEMPT]))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, "json", ["^healthz$"]]
