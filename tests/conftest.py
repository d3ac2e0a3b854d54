import shutil

import pytest
from django.conf import settings

from clubs.models import MembershipStatus
from devtools import stripe_emulator as emulators
from devtools.stripe_emulator import StripeEmulator
from tests.factories import ClubFactory, MembershipFactory, PlanFactory, UserFactory

# Every role the access matrix knows; later capabilities add URLs, never roles.
# "staff" have an authenticator app set up; "staff_without_mfa" have not, so with REQUIRE_STAFF_MFA they have no
# staff powers anywhere (members/permissions.py) and are sent to set up two-factor where only staff may go.
ROLES = [
    "anonymous", "non_member", "pending", "lapsed", "member", "other_leader", "leader", "staff", "staff_without_mfa",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


@pytest.fixture(autouse=True)
def stripe_emulator():
    """Stripe's servers are out of reach: every test talks to a fresh in-memory emulator."""
    emulator = StripeEmulator()
    emulators.install(emulator)
    yield emulator
    emulators.install(None)


@pytest.fixture
def demo_settings(settings):
    """Demo mode as config/settings/local.py sets it (DEBUG on, no Stripe key); the test's emulator stays installed."""
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_CLIENT_FACTORY = emulators.DEMO_CLIENT_FACTORY
    settings.STRIPE_WEBHOOK_SECRET = "whsec_returnpath_local_demo"
    return settings


@pytest.fixture
def club(db):
    club = ClubFactory(name="Healthy and Happy Club", slug="healthy-and-happy", currency="USD")
    PlanFactory(club=club, name="Monthly", interval="month", interval_count=1, price_minor=500, order=0)
    PlanFactory(club=club, name="6 months", interval="month", interval_count=6, price_minor=2700, order=1)
    PlanFactory(
        club=club, name="Yearly", interval="year", interval_count=1, price_minor=4800, order=2, is_most_popular=True
    )
    return club


@pytest.fixture
def other_club(db):
    return ClubFactory(name="Other Club", slug="other-club")


def make_actor(role: str, club, other_club):
    """A user in the given role towards ``club`` (None for anonymous)."""
    if role == "anonymous":
        return None
    is_staff = role in ("staff", "staff_without_mfa")
    user = UserFactory(is_staff=is_staff, is_superuser=is_staff)
    if role == "staff":
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(user, generate_totp_secret())
    statuses = {
        "pending": MembershipStatus.PENDING,
        "lapsed": MembershipStatus.CANCELED,
        "member": MembershipStatus.ACTIVE,
    }
    if role in statuses:
        MembershipFactory(user=user, club=club, plan=club.plans.first(), status=statuses[role])
    if role == "leader":
        club.leaders.add(user)
    if role == "other_leader":
        other_club.leaders.add(user)
    return user


@pytest.fixture
def actor_client(client, club, other_club):
    """Log the test client in as a role; returns (client, user)."""

    def login_as(role: str):
        user = make_actor(role, club, other_club)
        if user is not None:
            client.force_login(user)
        return client, user

    return login_as


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    shutil.rmtree(settings.PRIVATE_MEDIA_ROOT, ignore_errors=True)
