"""Pause instead of cancel: Stripe's pause_collection through the gateway, the mirror, access, reminder and resume."""

import copy
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from billing.growth_tasks import catch_up_pauses, send_pause_reminders
from billing.models import BillingSettings, Invoice, Subscription, SubscriptionStatus
from billing.selectors import paused_memberships
from clubs.models import Membership, MembershipStatus
from clubs.selectors import membership_has_access
from tests.billing.flows import deliver, join_and_pay
from tests.billing.stripe_events import stripe_event
from tests.factories import UserFactory
from tests.stripe_fixtures import FIXTURES

pytestmark = pytest.mark.django_db


def _months_later(moment: datetime, months: int) -> datetime:
    """Reference: the same day-of-month ``months`` on, clamped to the month's last day (written out, no library)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    days_in_month = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31,
                     31, 30, 31, 30, 31][month - 1]  # fmt: skip
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month))


@pytest.fixture
def paying(client, stripe_emulator, django_capture_on_commit_callbacks, club):
    """A member on the monthly plan, paid through the emulated Checkout and the real webhook endpoint."""
    user = UserFactory()
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.get(name="Monthly")
    )
    assert membership.status == MembershipStatus.ACTIVE
    return membership


def _pause(client, membership, months):
    return client.post(reverse("billing:subscription-pause", args=[membership.club.slug]), {"months": months})


def test_member_pauses_from_billing_page_and_stripe_pauses_collection(client, stripe_emulator, paying):
    before = timezone.now()
    response = _pause(client, paying, 2)
    after = timezone.now()

    assert response.status_code == 302 and response["Location"] == reverse(
        "billing:club-billing", args=["healthy-and-happy"]
    )
    subscription = Subscription.objects.get(membership=paying)
    stripe_side = stripe_emulator.get(subscription.stripe_subscription_id)
    assert stripe_side["pause_collection"]["behavior"] == "void"
    resumes_at = datetime.fromtimestamp(stripe_side["pause_collection"]["resumes_at"], tz=UTC)
    low, high = _months_later(before.replace(microsecond=0), 2), _months_later(after, 2)
    assert low <= resumes_at <= high
    assert (subscription.pause_behavior, subscription.pause_resumes_at) == ("void", resumes_at)
    # A paused member is not past due (Stripe keeps the subscription active) and, by default, has no access.
    paying.refresh_from_db()
    assert paying.status == MembershipStatus.ACTIVE and subscription.status == SubscriptionStatus.ACTIVE
    assert not membership_has_access(membership=paying)
    assert not Membership.objects.filter(pk=paying.pk).with_access(resumes_at - timedelta(seconds=1)).exists()
    # On the date it resumes, access is back even before Stripe's event arrives.
    assert Membership.objects.filter(pk=paying.pk).with_access(resumes_at).exists()
    page = client.get(reverse("billing:club-billing", args=[paying.club.slug]))
    assert b"Resume now" in page.content


def test_paused_member_keeps_access_when_the_club_says_so(client, paying):
    BillingSettings.objects.create(club=paying.club, paused_keep_access=True)
    _pause(client, paying, 1)
    assert Subscription.objects.get(membership=paying).is_paused()
    assert membership_has_access(membership=paying)


def test_pause_length_the_club_does_not_offer_is_refused_and_changes_nothing(client, stripe_emulator, paying):
    BillingSettings.objects.create(club=paying.club, pause_2_months=False)
    requests_before = len(stripe_emulator.requests)

    for months in ("2", "4", "0", "-1", "abc", ""):
        response = _pause(client, paying, months)
        assert response.status_code == 302

    assert len(stripe_emulator.requests) == requests_before  # nothing reached Stripe
    assert not Subscription.objects.get(membership=paying).pause_behavior
    assert membership_has_access(membership=paying)


def test_billing_page_offers_only_the_club_lengths(client, paying):
    BillingSettings.objects.create(club=paying.club, pause_1_month=False, pause_3_months=True, pause_2_months=False)
    page = client.get(reverse("billing:club-billing", args=[paying.club.slug])).content.decode()
    assert 'name="months" value="3"' in page
    assert 'name="months" value="1"' not in page and 'name="months" value="2"' not in page


def test_cancel_flow_offers_pause_before_the_save_offer(client, paying):
    page = client.get(reverse("automations:cancel-membership", args=[paying.club.slug])).content.decode()
    assert page.index('id="pause-panel"') < page.index('<form method="post" novalidate>')  # before the reasons
    if 'id="save-offer"' in page:
        assert page.index('id="pause-panel"') < page.index('id="save-offer"')
    response = _pause(client, paying, 3)
    assert response.status_code == 302
    assert Subscription.objects.get(membership=paying).is_paused()


def test_webhook_with_pause_collection_is_mirrored(stripe_emulator, django_capture_on_commit_callbacks, paying):
    """A pause made elsewhere (the Dashboard) reaches the site as customer.subscription.updated."""
    subscription = Subscription.objects.get(membership=paying)
    resumes_at = int((timezone.now() + timedelta(days=40)).timestamp())
    mark = len(stripe_emulator.events)
    stripe_emulator.client().v1.subscriptions.update(
        subscription.stripe_subscription_id, params={"pause_collection": {"behavior": "void", "resumes_at": resumes_at}}
    )
    events = copy.deepcopy(stripe_emulator.events[mark:])
    assert [event["type"] for event in events] == ["customer.subscription.updated"]

    deliver(events, django_capture_on_commit_callbacks)

    subscription.refresh_from_db()
    assert subscription.pause_behavior == "void"
    assert subscription.pause_resumes_at == datetime.fromtimestamp(resumes_at, tz=UTC)
    assert not membership_has_access(membership=paying)


def test_real_subscription_payload_paused_without_end_is_mirrored(
    fixtures_dir, post_event, django_capture_on_commit_callbacks, club
):
    """Stripe's own subscription object (OpenAPI fixtures) is paused ``mark_uncollectible`` with no resumes_at."""
    import json

    from billing.models import StripeCustomer
    from tests.factories import MembershipFactory

    subscription = copy.deepcopy(
        json.loads((fixtures_dir / "payloads/openapi_fixtures3_subset.json").read_text())["subscription"]
    )
    assert subscription["pause_collection"] == {"behavior": "mark_uncollectible", "resumes_at": None}
    user = UserFactory()
    StripeCustomer.objects.create(user=user, stripe_customer_id=subscription["customer"])
    membership = MembershipFactory(user=user, club=club, plan=club.plans.first(), status=MembershipStatus.PENDING)
    subscription["metadata"] = {"membership_id": str(membership.pk)}
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(stripe_event("customer.subscription.updated", subscription))
    assert response.status_code == 200

    mirrored = Subscription.objects.get(stripe_subscription_id=subscription["id"])
    assert (mirrored.pause_behavior, mirrored.pause_resumes_at) == ("mark_uncollectible", None)
    assert mirrored.is_paused(timezone.now() + timedelta(days=3650))  # paused until someone resumes it
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and not membership_has_access(membership=membership)


@pytest.fixture
def fixtures_dir():
    if not FIXTURES.is_dir():
        pytest.skip("../shared/stripe-fixtures is not available")
    return FIXTURES


def test_renewal_during_pause_charges_nothing_and_stays_active(
    stripe_emulator, django_capture_on_commit_callbacks, client, paying
):
    _pause(client, paying, 3)
    subscription = Subscription.objects.get(membership=paying)
    paid_before = Invoice.objects.filter(status="paid").count()

    events = stripe_emulator.renew_due(now=int((subscription.current_period_end + timedelta(hours=1)).timestamp()))
    deliver(events, django_capture_on_commit_callbacks)

    assert not [event for event in events if event["type"].startswith("invoice.")]
    assert Invoice.objects.filter(status="paid").count() == paid_before
    subscription.refresh_from_db()
    paying.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE and paying.status == MembershipStatus.ACTIVE
    assert subscription.is_paused()


def test_pause_resumes_by_itself_at_resumes_at(stripe_emulator, django_capture_on_commit_callbacks, client, paying):
    _pause(client, paying, 1)
    subscription = Subscription.objects.get(membership=paying)
    resumes_at = int(subscription.pause_resumes_at.timestamp())

    assert stripe_emulator.resume_due(now=resumes_at - 1) == []
    events = stripe_emulator.resume_due(now=resumes_at)
    assert [event["type"] for event in events] == ["customer.subscription.updated"]
    assert events[0]["data"]["previous_attributes"]["pause_collection"]["resumes_at"] == resumes_at
    deliver(events, django_capture_on_commit_callbacks)

    subscription.refresh_from_db()
    assert (subscription.pause_behavior, subscription.pause_resumes_at) == ("", None)
    assert membership_has_access(membership=paying)


def test_catch_up_rereads_a_pause_whose_resume_event_never_came(stripe_emulator, client, paying):
    _pause(client, paying, 1)
    subscription = Subscription.objects.get(membership=paying)
    stripe_emulator.resume_due(now=int(subscription.pause_resumes_at.timestamp()))  # events never delivered
    Subscription.objects.filter(pk=subscription.pk).update(pause_resumes_at=timezone.now() - timedelta(minutes=1))

    assert catch_up_pauses.delay().get() == 1
    subscription.refresh_from_db()
    assert (subscription.pause_behavior, subscription.pause_resumes_at) == ("", None)
    assert catch_up_pauses.delay().get() == 0  # nothing left to re-read


def test_member_resumes_early(client, stripe_emulator, paying):
    _pause(client, paying, 2)
    response = client.post(reverse("billing:subscription-unpause", args=[paying.club.slug]))
    assert response.status_code == 302
    subscription = Subscription.objects.get(membership=paying)
    assert stripe_emulator.get(subscription.stripe_subscription_id)["pause_collection"] is None
    assert not subscription.pause_behavior and membership_has_access(membership=paying)
    # Unpausing what is not paused explains and changes nothing.
    requests_before = len(stripe_emulator.requests)
    client.post(reverse("billing:subscription-unpause", args=[paying.club.slug]))
    assert len(stripe_emulator.requests) == requests_before


def test_pause_refused_while_set_to_cancel(client, stripe_emulator, paying):
    client.post(reverse("billing:subscription-cancel", args=[paying.club.slug]))
    assert Subscription.objects.get(membership=paying).cancel_at_period_end
    _pause(client, paying, 1)
    assert not Subscription.objects.get(membership=paying).pause_behavior


def test_reminder_a_week_before_resume_is_sent_once_per_pause(client, paying, monkeypatch):
    _pause(client, paying, 1)
    subscription = Subscription.objects.get(membership=paying)
    mail.outbox.clear()

    # More than a week before: nothing yet.
    Subscription.objects.filter(pk=subscription.pk).update(pause_resumes_at=timezone.now() + timedelta(days=8))
    assert send_pause_reminders.delay().get() == 0
    # Within the week: once, however often the job runs.
    soon = timezone.now() + timedelta(days=6)
    Subscription.objects.filter(pk=subscription.pk).update(pause_resumes_at=soon)
    assert send_pause_reminders.delay().get() == 1
    assert send_pause_reminders.delay().get() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [paying.user.email]
    assert paying.club.name in mail.outbox[0].subject
    # A later pause (another resumes_at) gets its own reminder.
    Subscription.objects.filter(pk=subscription.pk).update(pause_resumes_at=soon + timedelta(days=1))
    assert send_pause_reminders.delay().get() == 1


def test_paused_members_are_counted_apart(client, paying, club, django_assert_max_num_queries):
    assert paused_memberships(clubs=[club]).count() == 0
    _pause(client, paying, 1)
    with django_assert_max_num_queries(1):
        assert list(paused_memberships(clubs=[club]).values_list("pk", flat=True)) == [paying.pk]


def test_paused_subscription_brings_no_mrr(client, paying):
    from billing.selectors import mrr_by_club_and_plan

    assert [(row.subscriptions, row.mrr_minor) for row in mrr_by_club_and_plan()] == [(1, 500)]
    _pause(client, paying, 1)
    assert mrr_by_club_and_plan() == []
