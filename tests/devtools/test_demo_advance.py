"""demo_advance: the demo moves N days forward; renewals, a declined card and the due emails follow."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from clubs.models import MembershipStatus
from devtools.management.commands.demo_advance import trigger_key_shift_back
from devtools.outbox.store import outbox_list
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_outbox(demo_settings, tmp_path):
    demo_settings.OUTBOX_DIR = tmp_path / "outbox"
    demo_settings.EMAIL_BACKEND = "devtools.outbox.backend.OutboxEmailBackend"
    demo_settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return demo_settings


def _join_monthly(client, club, django_capture_on_commit_callbacks, email):
    user = UserFactory(email=email)
    client.force_login(user)
    checkout = client.post(reverse("billing:club-join", args=[club.slug, club.plans.get(name="Monthly").pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(checkout["Location"])
    return user.memberships.get()


def test_demo_advance_renews_and_a_card_set_to_fail_starts_the_grace_period(
    client, club, demo_outbox, django_capture_on_commit_callbacks, stripe_emulator
):
    paying = _join_monthly(client, club, django_capture_on_commit_callbacks, "paying@example.com")
    failing = _join_monthly(client, club, django_capture_on_commit_callbacks, "failing@example.com")
    joined = paying.created_at
    end_before = paying.current_period_end
    # The command runs in autocommit, where on_commit work runs at once; inside the test's transaction, say so.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_advance", "--days", "32", "--fail-card", "failing@example.com")
    paying.refresh_from_db()
    failing.refresh_from_db()
    # Members look 32 days older; the paid renewal moved the period on by one month from the shifted end.
    assert paying.created_at == joined - timedelta(days=32)
    assert paying.status == MembershipStatus.ACTIVE
    assert paying.current_period_end > timezone.now() > end_before - timedelta(days=32)
    assert failing.status == MembershipStatus.PAST_DUE
    assert failing.grace_period_ends_at > timezone.now()
    invoices = [e["data"]["object"] for e in stripe_emulator.events if e["type"].startswith("invoice.")]
    assert {i["customer_email"] for i in invoices if i["billing_reason"] == "subscription_cycle"} >= {
        "paying@example.com",
        "failing@example.com",
    }
    kept = outbox_list()
    failed_notice = [m for m in kept if m.message["To"] == "failing@example.com" and m.kind == "billing"]
    assert failed_notice, [(m.kind, m.subject) for m in kept]


def test_demo_advance_is_refused_outside_demo_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("demo_advance", "--days", "1")


def test_demo_advance_refuses_a_card_of_someone_who_never_paid(demo_outbox, db):
    UserFactory(email="nobody@example.com")
    with pytest.raises(CommandError, match="never paid"):
        call_command("demo_advance", "--days", "1", "--fail-card", "nobody@example.com")


def test_demo_advance_sends_each_return_path_email_once(demo_outbox, django_capture_on_commit_callbacks):
    """Regression: the trigger keys kept the moments from before the shift ("since:<last activity>"), so the
    same silence, join or renewal looked new every simulated day and was mailed again each day."""
    call_command("seed_demo")
    # 40 days: every seeded member joined today, so inactivity (30 days) and the first NPS survey (30 days)
    # fall due on day 30 and then have 10 more simulated days in which they must not come again.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_advance", "--days", "30")
    for _day in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("demo_advance", "--days", "1")
    member = "member@example.com"
    sent = Counter((m.kind, m.message["To"]) for m in outbox_list(limit=10_000))
    return_path = {key: n for key, n in sent.items() if key[0].startswith("automation: ") or key[0] == "nps"}
    assert max(return_path.values()) == 1, return_path
    for kind in ("automation: welcome", "automation: inactivity", "nps"):
        assert sent[(kind, member)] == 1, (kind, return_path)


def test_demo_advance_walkthrough_brings_a_win_back_offer_to_the_outbox(
    demo_outbox, django_capture_on_commit_callbacks
):
    """README "What to try", step 5: after --days 32 the member who canceled today has a win-back offer."""
    call_command("seed_demo")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_advance", "--days", "32")
    win_backs = [m for m in outbox_list(limit=10_000) if m.kind == "automation: win_back"]
    assert [m.message["To"] for m in win_backs].count("canceled@example.com") == 1, [
        (m.message["To"], m.subject) for m in win_backs
    ]
    offer = next(m for m in win_backs if m.message["To"] == "canceled@example.com")
    assert "10%" in offer.part("text/plain")  # stage 1 of the default win-back settings: 10 percent off


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("since:2026-03-01T00:30:00", "since:2026-02-28T00:30:00"),
        ("renews:2026-03-01", "renews:2026-02-28"),
        ("stage2:2024-03-01", "stage2:2024-02-29"),
        ("plan:12:34", "plan:12:34"),
        ("occurrence:20260301", "occurrence:20260301"),
    ],
)
def test_trigger_key_shift_back_moves_only_the_moments(key, expected):
    assert trigger_key_shift_back(key, delta=timedelta(days=1)) == expected
