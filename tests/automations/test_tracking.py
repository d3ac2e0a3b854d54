"""Measured: clicks through signed links that stay on the site, and conversions per automation."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from automations.models import AutomationKind, AutomationSend
from automations.services.delivery import CLICK_PURPOSE
from automations.services.tracking import conversions_record
from automations.services.triggers import automation_run_kind, automations_run
from billing.models import Invoice
from clubs.models import MembershipStatus
from core.tokens import token_make
from tests.automations.factories import AutomationSendFactory
from tests.billing.flows import deliver, join_and_pay
from tests.factories import MembershipFactory, UserFactory
from tests.feed.factories import AchievementFactory

pytestmark = pytest.mark.django_db


def _link_in(body: str) -> str:
    url = re.search(r"(https?://\S+/a/\S+/)", body).group(1)
    return url.removeprefix(settings.SITE_URL)


def test_click_is_recorded_once_and_redirects_within_the_site(client, club):
    send = AutomationSendFactory(membership=MembershipFactory(club=club))
    target = reverse("clubs:club-home", args=[club.slug])
    url = reverse("automations:click", args=[token_make(purpose=CLICK_PURPOSE, parts=[send.pk, target])])

    assert client.get(url)["Location"] == target
    send.refresh_from_db()
    first_click = send.clicked_at
    assert first_click is not None
    client.get(url)
    send.refresh_from_db()
    assert send.clicked_at == first_click


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/x", "javascript:alert(1)"])
def test_click_links_never_lead_off_the_site(client, club, target):
    send = AutomationSendFactory(membership=MembershipFactory(club=club))
    url = reverse("automations:click", args=[token_make(purpose=CLICK_PURPOSE, parts=[send.pk, target])])
    assert client.get(url).status_code == 404


def test_tampered_click_link_is_refused(client, club):
    send = AutomationSendFactory(membership=MembershipFactory(club=club))
    token = token_make(purpose=CLICK_PURPOSE, parts=[send.pk, "/"])
    assert client.get(reverse("automations:click", args=[token[:-2] + "xx"])).status_code == 404


def test_post_after_a_welcome_counts_as_converted(club):
    membership = MembershipFactory(club=club)
    send = AutomationSendFactory(membership=membership, kind=AutomationKind.WELCOME)
    AutomationSendFactory(membership=MembershipFactory(club=club), kind=AutomationKind.WELCOME)
    AchievementFactory(club=club, author=membership.user, created_at=send.sent_at + timedelta(hours=1))

    assert conversions_record() == 1
    send.refresh_from_db()
    assert send.converted_at is not None
    assert conversions_record() == 0  # already counted


def test_upgrade_nudge_converts_when_the_member_moves_to_a_longer_plan(club):
    membership = MembershipFactory(club=club, plan=club.plans.get(name="Monthly"))
    send = AutomationSendFactory(membership=membership, kind=AutomationKind.UPGRADE_NUDGE)
    assert conversions_record() == 0
    membership.plan = club.plans.get(name="Yearly")
    membership.save()
    assert conversions_record() == 1
    send.refresh_from_db()
    assert send.converted_at is not None


def test_win_back_click_applies_the_comeback_coupon_at_checkout_and_counts_the_rejoin(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    user = UserFactory()
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.get(name="Monthly")
    )
    client.post(reverse("billing:subscription-cancel", args=[club.slug]))
    deliver(
        stripe_emulator.advance_to_renewal(membership.subscriptions.get().stripe_subscription_id, succeed=True),
        django_capture_on_commit_callbacks,
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED

    later = timezone.now() + timedelta(days=30, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert automation_run_kind(club=club, kind=AutomationKind.WIN_BACK, now=later) == 1
    # The emulated Stripe keeps real time: the offer is dated just before the rejoin it leads to.
    AutomationSend.objects.update(sent_at=timezone.now() - timedelta(minutes=1))
    click = client.get(_link_in(mail.outbox[-1].body))
    assert click["Location"] == club.get_absolute_url()

    response = client.post(reverse("billing:checkout-start", args=[club.slug]))
    session_id = response["Location"].rsplit("/", 1)[-1]
    deliver(stripe_emulator.complete_checkout(session_id), django_capture_on_commit_callbacks)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    rejoin_invoice = Invoice.objects.filter(subscription__membership=membership).order_by("-stripe_created", "-pk")[0]
    assert rejoin_invoice.amount_paid_minor == 450  # $5 less the 10% comeback discount

    conversions_record()
    send = AutomationSend.objects.get(kind=AutomationKind.WIN_BACK)
    assert send.clicked_at is not None and send.converted_at is not None


def test_the_beat_task_runs_every_club_and_is_safe_to_run_twice(club, other_club, django_capture_on_commit_callbacks):
    from automations.tasks import run_automations

    MembershipFactory(club=club, started_at=timezone.now() - timedelta(minutes=5))
    MembershipFactory(club=other_club, plan=None, started_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        first = run_automations.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = automations_run()
    assert first[AutomationKind.WELCOME] == 2
    assert second[AutomationKind.WELCOME] == 0
    assert len(mail.outbox) == 2
