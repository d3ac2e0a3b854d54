import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse


@pytest.fixture
def mfa_required(settings):
    settings.REQUIRE_STAFF_MFA = True


def test_staff_without_mfa_are_sent_to_set_it_up(mfa_required, actor_client):
    client, _staff = actor_client("staff_without_mfa")
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain == [(reverse("mfa_index"), 302)]
    assert "two-factor authentication" in response.content.decode()


def test_every_admin_page_is_guarded_including_billing(mfa_required, actor_client):
    client, _staff = actor_client("staff_without_mfa")
    for url in (reverse("billing-overview"), reverse("admin:clubs_membership_changelist")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_staff_with_totp_enabled_use_the_admin(mfa_required, actor_client):
    client, staff = actor_client("staff_without_mfa")
    TOTP.activate(staff, generate_totp_secret())
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("billing-overview")).status_code == 200


def test_mfa_setup_pages_stay_reachable_for_staff_without_mfa(mfa_required, actor_client):
    client, _staff = actor_client("staff_without_mfa")
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
    env["REDIS_URL"] = "redis://127.0.0.1:6379/0"  # production refuses to start without a reachable Redis
    env.update(SITE_URL="https://clubs.returnpath.app", DEFAULT_FROM_EMAIL="Returnpath <clubs@returnpath.app>")
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps(["
        "s.REQUIRE_STAFF_MFA, s.LOGGING['handlers']['console']['formatter'], s.SECURE_REDIRECT_EXEMPT]))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, "json", ["^healthz$"]]


# --- Staff powers outside the admin (members/permissions.py) --------------------------------------


def test_staff_without_mfa_get_no_club_powers_anywhere(mfa_required, actor_client, club):
    """Regression: staff counted as leaders of every club, so a password alone opened every club's tools."""
    from clubs.permissions import club_viewer, user_leads_club

    client, staff = actor_client("staff_without_mfa")
    assert not user_leads_club(user=staff, club=club)
    viewer = club_viewer(user=staff, club=club)
    assert not viewer.is_leader and not viewer.may_enter_member_area
    for url in (
        reverse("analytics:club-dashboard", args=[club.slug]),
        reverse("analytics:club-dashboard-csv", args=[club.slug, "inactive"]),
        reverse("analytics:staff-dashboard"),
        reverse("analytics:staff-dashboard-csv", args=["inactive"]),
        reverse("clubs:club-roster", args=[club.slug]),
        reverse("automations:settings", args=[club.slug]),
        reverse("feed:report-list", args=[club.slug]),
        reverse("offers:offer-manage", args=[club.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index"), url
    page = client.get(reverse("analytics:staff-dashboard"), follow=True).content.decode()
    assert "Staff powers need two-factor authentication" in page


def test_staff_without_mfa_regain_their_powers_once_totp_is_on(mfa_required, actor_client, club):
    from clubs.permissions import user_leads_club

    client, staff = actor_client("staff_without_mfa")
    TOTP.activate(staff, generate_totp_secret())
    staff.refresh_from_db()  # a new request: the cached answer is per request
    assert user_leads_club(user=staff, club=club)
    assert client.get(reverse("analytics:staff-dashboard")).status_code == 200
    assert client.get(reverse("clubs:club-roster", args=[club.slug])).status_code == 200


def test_staff_without_mfa_count_as_nobody_in_queries_over_many_people(mfa_required, club):
    """Event reminders and the analytics club list use the same predicate as pages (as SQL)."""
    from analytics.selectors import clubs_for_staff
    from members.models import User
    from members.permissions import staff_powers_q
    from tests.factories import UserFactory

    with_totp, without = UserFactory(is_staff=True), UserFactory(is_staff=True)
    TOTP.activate(with_totp, generate_totp_secret())
    assert set(User.objects.filter(staff_powers_q())) == {with_totp}
    assert not clubs_for_staff(user=without).exists()
    assert clubs_for_staff(user=with_totp).filter(pk=club.pk).exists()


def test_staff_without_mfa_cannot_moderate_through_services(mfa_required, club):
    from feed.exceptions import FeedError
    from feed.services import achievement_delete
    from tests.factories import UserFactory
    from tests.feed.factories import AchievementFactory, member_of

    achievement = AchievementFactory(club=club, author=member_of(club))
    with pytest.raises(FeedError):
        achievement_delete(achievement=achievement, actor=UserFactory(is_staff=True))
