"""Issue 15, the Stripe-events half: promotion codes, refunds from anywhere, delayed payments, deleted
customers and API versions, each through the signed webhook endpoint (``demo_events_deliver`` signs and
POSTs the emulator's events; ``post_event`` signs hand-made ones)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from billing import gateway
from billing.handlers import handled_event_types
from billing.models import Invoice, StripeCustomer, WebhookEvent, WebhookEventStatus
from billing.services.catalog import catalog_sync
from billing.services.events import webhook_event_replay
from billing.services.reconcile import stripe_reconcile
from billing.services.refunds import invoice_refund
from clubs.models import MembershipStatus
from devtools.stripe_emulator import EmulatorError
from offers.models import OfferKind, Redemption, RedemptionStatus
from offers.services.posting import offer_create, offer_update
from offers.services.redemptions import redemption_checkout_start
from tests.billing.stripe_events import stripe_event
from tests.billing.test_lifecycle import deliver, join, join_and_pay
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def monthly(club):
    return club.plans.get(name="Monthly")


@pytest.fixture
def paid_member(client, club, monthly, stripe_emulator, django_capture_on_commit_callbacks):
    user = UserFactory()
    join_and_pay(client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=monthly)
    return user


def _discount_offer(club, leader, **extra):
    data = {
        "title": "20% off the cookbook",
        "body": "Our cookbook, for members.",
        "kind": OfferKind.DISCOUNT,
        "price_minor": 4000,
        "percent_off": 20,
        "valid_from": timezone.now() - timedelta(hours=1),
        **extra,
    }
    return offer_create(club=club, actor=leader, data=data)


def _member_of(club):
    return MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.ACTIVE).user


def _start(offer, user):
    return redemption_checkout_start(
        offer=offer, user=user, success_url="https://testserver/ok/", cancel_url="https://testserver/no/"
    )


# --- 1. Promotion codes ----------------------------------------------------------------------------


def test_offer_promotion_code_is_limited_to_its_product_quantity_and_end(club, stripe_emulator):
    ends = timezone.now().replace(microsecond=0) + timedelta(days=7)
    offer = _discount_offer(club, _member_of(club), quantity_limit=5, valid_until=ends)

    code = stripe_emulator.get(offer.stripe_promotion_code_id)
    coupon = stripe_emulator.get(offer.stripe_coupon_id)
    assert (code["max_redemptions"], code["expires_at"]) == (5, int(ends.timestamp()))
    assert coupon["applies_to"] == {"products": [offer.stripe_product_id]}
    assert stripe_emulator.get(offer.stripe_product_id)["metadata"]["offer_id"] == str(offer.pk)


def test_offer_checkout_code_is_bound_to_the_member_and_sells_the_offer_product(club, stripe_emulator):
    ends = timezone.now().replace(microsecond=0) + timedelta(days=3)
    offer = _discount_offer(club, _member_of(club), valid_until=ends)
    member = _member_of(club)
    session = stripe_emulator.get(_start(offer, member).rsplit("/", 1)[1])

    member_code = stripe_emulator.get(session["discounts"][0]["promotion_code"])
    assert member_code["customer"] == member.stripe_customer.stripe_customer_id
    assert (member_code["max_redemptions"], member_code["expires_at"]) == (1, int(ends.timestamp()))
    price = stripe_emulator.get(stripe_emulator._sessions[session["id"]]["price"])
    assert price["product"] == offer.stripe_product_id
    # Another customer cannot use the code bound to this member.
    stranger = gateway.customer_create(email="x@example.com", name="X", metadata={}, key="stranger")
    with pytest.raises(gateway.GatewayError, match="cannot be redeemed by this customer"):
        gateway.payment_checkout_session_create(
            customer_id=stranger.id,
            name=offer.title,
            amount_minor=offer.price_minor,
            currency=offer.currency,
            metadata={},
            success_url="https://testserver/ok/",
            cancel_url="https://testserver/no/",
            expires_at=int((timezone.now() + timedelta(hours=1)).timestamp()),
            key="stranger-session",
            promotion_code_id=member_code["id"],
            product_id=offer.stripe_product_id,
        )


def test_changing_an_offers_quantity_or_end_replaces_its_code(club, stripe_emulator):
    offer = _discount_offer(club, _member_of(club), quantity_limit=5)
    first = offer.stripe_promotion_code_id
    offer = offer_update(offer=offer, data={"quantity_limit": 2})

    assert offer.stripe_promotion_code_id != first
    assert stripe_emulator.get(first)["active"] is False
    assert stripe_emulator.get(offer.stripe_promotion_code_id)["max_redemptions"] == 2


def test_membership_checkout_refuses_typed_codes_by_default(client, club, monthly, stripe_emulator):
    offer = _discount_offer(club, _member_of(club))
    session_id = join(client, UserFactory(), monthly)

    assert not stripe_emulator.get(session_id)["allow_promotion_codes"]
    with pytest.raises(EmulatorError, match="no promotion code field"):
        stripe_emulator.complete_checkout(session_id, promotion_code=offer.promotion_code)


def test_club_that_accepts_codes_takes_its_own_codes_only(
    client, club, other_club, monthly, stripe_emulator, django_capture_on_commit_callbacks
):
    club.accepts_promotion_codes = True
    club.save()
    catalog_sync(clubs=[club, other_club])
    offer = _discount_offer(club, _member_of(club))
    own_coupon = gateway.coupon_create_for_product(
        name="Spring", product_id=club.stripe_product.stripe_product_id, metadata={}, key="own", percent_off=50
    )
    gateway.promotion_code_create_restricted(coupon_id=own_coupon.id, code="SPRING50", metadata={}, key="own-code")
    foreign_coupon = gateway.coupon_create_for_product(
        name="Theirs", product_id=other_club.stripe_product.stripe_product_id, metadata={}, key="x", percent_off=90
    )
    gateway.promotion_code_create_restricted(coupon_id=foreign_coupon.id, code="THEIRS90", metadata={}, key="x-c")
    user = UserFactory()
    session_id = join(client, user, monthly)

    with pytest.raises(EmulatorError, match="not valid for the items"):
        stripe_emulator.complete_checkout(session_id, promotion_code=offer.promotion_code)
    with pytest.raises(EmulatorError, match="not valid for the items"):
        stripe_emulator.complete_checkout(session_id, promotion_code="THEIRS90")
    deliver(
        stripe_emulator.complete_checkout(session_id, promotion_code="SPRING50"), django_capture_on_commit_callbacks
    )

    invoice = Invoice.objects.get(customer__user=user)
    assert (invoice.status, invoice.amount_paid_minor) == ("paid", monthly.price_minor - monthly.price_minor // 2)


# --- 2. Refunds, wherever they are made -------------------------------------------------------------


def _charge_of(stripe_emulator, invoice):
    return stripe_emulator.get(stripe_emulator.get(invoice.stripe_payment_intent_id)["latest_charge"])


def test_dashboard_refund_is_mirrored_through_invoice_payment(
    paid_member, stripe_emulator, django_capture_on_commit_callbacks
):
    invoice = Invoice.objects.get(customer__user=paid_member)
    assert invoice.stripe_payment_intent_id.startswith("pi_")  # linked by invoice_payment.paid
    assert WebhookEvent.objects.get(type="invoice_payment.paid").status == WebhookEventStatus.PROCESSED

    deliver(
        stripe_emulator.dashboard_refund(_charge_of(stripe_emulator, invoice)["id"], amount=200),
        django_capture_on_commit_callbacks,
    )

    invoice.refresh_from_db()
    assert invoice.amount_refunded_minor == 200
    assert invoice.refundable_minor == invoice.amount_paid_minor - 200


def test_charge_refunded_before_invoice_payment_paid_still_finds_its_invoice(
    client, monthly, stripe_emulator, django_capture_on_commit_callbacks
):
    user = UserFactory()
    events = stripe_emulator.complete_checkout(join(client, user, monthly))
    deliver([event for event in events if event["type"] != "invoice_payment.paid"], django_capture_on_commit_callbacks)
    [payment] = [event["data"]["object"] for event in events if event["type"] == "invoice_payment.paid"]
    intent = stripe_emulator.get(payment["payment"]["payment_intent"])

    deliver(stripe_emulator.dashboard_refund(intent["latest_charge"], amount=150), django_capture_on_commit_callbacks)

    invoice = Invoice.objects.get(customer__user=user)
    assert (invoice.amount_refunded_minor, invoice.stripe_payment_intent_id) == (150, intent["id"])


def test_older_charge_refunded_after_a_newer_one_changes_nothing(
    paid_member, stripe_emulator, django_capture_on_commit_callbacks
):
    invoice = Invoice.objects.get(customer__user=paid_member)
    charge_id = _charge_of(stripe_emulator, invoice)["id"]
    first = [e for e in stripe_emulator.dashboard_refund(charge_id, amount=100) if e["type"] == "charge.refunded"]
    second = [e for e in stripe_emulator.dashboard_refund(charge_id, amount=50) if e["type"] == "charge.refunded"]

    deliver(second + first, django_capture_on_commit_callbacks)  # the newer one arrives first

    invoice.refresh_from_db()
    assert invoice.amount_refunded_minor == 100 + 50
    assert "older event skipped" in WebhookEvent.objects.get(stripe_event_id=first[0]["id"]).note


def test_charge_of_another_customer_is_ignored(post_event, django_capture_on_commit_callbacks):
    charge = {"id": "ch_elsewhere", "object": "charge", "customer": "cus_elsewhere", "payment_intent": "pi_elsewhere"}
    with django_capture_on_commit_callbacks(execute=True):
        post_event(stripe_event("charge.refunded", {**charge, "amount_refunded": 100}))
    assert WebhookEvent.objects.get().status == WebhookEventStatus.IGNORED


def test_demo_staff_refund_lands_through_the_refund_webhook(
    client, club, demo_settings, stripe_emulator, django_capture_on_commit_callbacks
):
    user = UserFactory()
    join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.get(name="Yearly")
    )
    invoice = Invoice.objects.get(customer__user=user)
    staff = UserFactory(is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        invoice_refund(invoice=invoice, amount_minor=800, reason="requested_by_customer", note="demo", actor=staff)

    invoice.refresh_from_db()
    assert invoice.amount_refunded_minor == 800
    assert WebhookEvent.objects.get(type="charge.refunded").status == WebhookEventStatus.PROCESSED


# --- 3. Other payment events --------------------------------------------------------------------------


def _product_offer(club, **extra):
    from tests.offers.factories import OfferFactory

    return OfferFactory(club=club, **extra)


def _pay_delayed(client, stripe_emulator, capture, offer, user):
    session_id = _start(offer, user).rsplit("/", 1)[1]
    deliver(stripe_emulator.complete_checkout(session_id, delayed=True), capture)
    return session_id


def test_delayed_offer_payment_succeeds_visibly(client, club, stripe_emulator, django_capture_on_commit_callbacks):
    offer, member = _product_offer(club, quantity_limit=1), _member_of(club)
    session_id = _pay_delayed(client, stripe_emulator, django_capture_on_commit_callbacks, offer, member)
    redemption = Redemption.objects.get(offer=offer, user=member)
    assert redemption.status == RedemptionStatus.PENDING
    client.force_login(member)
    page = client.get(reverse("offers:redemption-success", args=[club.slug, offer.pk])).content.decode()
    assert "Your payment is on its way" in page

    deliver(stripe_emulator.settle_delayed_payment(session_id, succeed=True), django_capture_on_commit_callbacks)

    redemption.refresh_from_db()
    assert (redemption.status, redemption.amount_minor) == (RedemptionStatus.PAID, offer.price_minor)
    page = client.get(reverse("offers:redemption-success", args=[club.slug, offer.pk])).content.decode()
    assert "is confirmed" in page


def test_delayed_offer_payment_failure_is_shown_and_releases_the_unit(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    offer, member = _product_offer(club, quantity_limit=1), _member_of(club)
    session_id = _pay_delayed(client, stripe_emulator, django_capture_on_commit_callbacks, offer, member)
    with pytest.raises(Exception, match="sold out"):
        _start(offer, _member_of(club))  # the unit is held while the bank decides

    deliver(stripe_emulator.settle_delayed_payment(session_id, succeed=False), django_capture_on_commit_callbacks)

    assert Redemption.objects.get(offer=offer, user=member).status == RedemptionStatus.FAILED
    client.force_login(member)
    page = client.get(reverse("offers:redemption-success", args=[club.slug, offer.pk])).content.decode()
    assert "did not confirm the payment" in page
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("admin:offers_redemption_changelist") + "?status=failed").content.decode()
    assert "Payment failed" in listing
    assert _start(offer, _member_of(club))  # the unit is free again


def test_customer_deleted_in_the_dashboard_gets_a_new_customer_at_next_checkout(
    client, paid_member, monthly, stripe_emulator, django_capture_on_commit_callbacks
):
    old_id = paid_member.stripe_customer.stripe_customer_id
    deliver(stripe_emulator.delete_customer(old_id), django_capture_on_commit_callbacks)

    customer = StripeCustomer.objects.get(user=paid_member)
    assert customer.deleted_at is not None
    assert paid_member.memberships.get().status == MembershipStatus.CANCELED

    client.force_login(paid_member)
    response = client.post(reverse("billing:checkout-start", args=[monthly.club.slug]))
    session = stripe_emulator.get(response["Location"].rsplit("/", 1)[-1])
    customer.refresh_from_db()
    assert customer.stripe_customer_id != old_id and customer.deleted_at is None
    assert session["customer"] == customer.stripe_customer_id
    assert stripe_emulator.get(customer.stripe_customer_id)["metadata"]["replaces"] == old_id


def test_readme_lists_exactly_the_handled_event_types():
    # The settings page the README links to (docs/settings.md) lists the events to send to the endpoint.
    readme = (Path(settings.BASE_DIR) / "docs" / "settings.md").read_text()
    listed = re.search(r"<!-- handled-events -->(.*?)<!-- /handled-events -->", readme, re.S).group(1)
    assert sorted(re.findall(r"`([a-z_.]+)`", listed)) == handled_event_types()


# --- 4. API versions -----------------------------------------------------------------------------------

OLD_VERSION = "2024-06-20"


def _old_shape_subscription(subscription: dict) -> dict:
    """The subscription as a pre-2025 version rendered it, claiming a state that is not true any more."""
    item = subscription["items"]["data"][0]
    return {
        **subscription,
        "status": "canceled",
        "current_period_end": item["current_period_end"],
        "items": {"object": "list", "data": []},
    }


def test_webhook_at_another_version_is_applied_from_the_object_re_read_at_the_pinned_version(
    paid_member, post_event, stripe_emulator, django_capture_on_commit_callbacks
):
    membership = paid_member.memberships.get()
    subscription = stripe_emulator.get(membership.subscriptions.get().stripe_subscription_id)
    event = stripe_event(
        "customer.subscription.updated", _old_shape_subscription(subscription), api_version=OLD_VERSION
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_event(event)

    stored = WebhookEvent.objects.get(stripe_event_id=event["id"])
    assert stored.status == WebhookEventStatus.PROCESSED and "re-read" in stored.note
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE  # Stripe's truth, not the old payload's "canceled"
    assert membership.current_period_end is not None


def test_staff_replay_re_reads_an_event_of_another_version(
    paid_member, stripe_emulator, django_capture_on_commit_callbacks
):
    membership = paid_member.memberships.get()
    subscription = stripe_emulator.get(membership.subscriptions.get().stripe_subscription_id)
    event = stripe_event(
        "customer.subscription.deleted", _old_shape_subscription(subscription), api_version=OLD_VERSION
    )
    stored = WebhookEvent.objects.create(
        stripe_event_id=event["id"],
        type=event["type"],
        api_version=OLD_VERSION,
        stripe_created=timezone.now(),
        payload=event,
        status=WebhookEventStatus.FAILED,
        last_error="API version 2024-06-20 differs from the pinned one",
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_replay(event=stored)

    stored.refresh_from_db()
    assert stored.status == WebhookEventStatus.PROCESSED
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_reconcile_lists_only_handled_types_and_re_reads_old_version_events(
    paid_member, stripe_emulator, django_capture_on_commit_callbacks
):
    membership = paid_member.memberships.get()
    subscription = stripe_emulator.get(membership.subscriptions.get().stripe_subscription_id)
    missed = stripe_event(
        "customer.subscription.updated",
        _old_shape_subscription(subscription),
        api_version=OLD_VERSION,
        event_id="evt_missed_at_old_version",
        created=stripe_emulator.now(),
    )
    stripe_emulator.events.append(missed)
    stripe_emulator.objects[missed["id"]] = missed
    with django_capture_on_commit_callbacks(execute=True):
        report = stripe_reconcile(days=2)

    listed = [request for request in stripe_emulator.requests if request["path"] == "/v1/events"]
    assert listed and all(request["params"]["types"] == handled_event_types() for request in listed)
    assert report.events_missing == 1 and not report.errors
    stored = WebhookEvent.objects.get(stripe_event_id=missed["id"])
    assert stored.status == WebhookEventStatus.PROCESSED and "re-read" in stored.note
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_ignored_event_type_is_ignored_at_any_version(post_event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_event(stripe_event("customer.created", {"id": "cus_x", "object": "customer"}, api_version=OLD_VERSION))
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.last_error) == (WebhookEventStatus.IGNORED, "")
