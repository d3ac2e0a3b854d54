"""Redeeming: Checkout in payment mode, the webhook records the sale, and the quantity limit holds."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from billing import gateway
from billing.models import WebhookEvent
from devtools.demo.checkout import demo_events_deliver
from offers.exceptions import OffersError, OfferUnavailable
from offers.models import OfferKind, Redemption, RedemptionStatus
from offers.services.redemptions import redemption_checkout_start, redemption_payment_confirm
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db

SUCCESS = "https://testserver/success/"
CANCEL = "https://testserver/cancel/"


def start(offer, user):
    return redemption_checkout_start(offer=offer, user=user, success_url=SUCCESS, cancel_url=CANCEL)


def pay(stripe_emulator, url, django_capture_on_commit_callbacks):
    session_id = url.rsplit("/", 1)[1]
    with django_capture_on_commit_callbacks(execute=True):
        demo_events_deliver(stripe_emulator.complete_checkout(session_id))
    return session_id


@pytest.fixture(autouse=True)
def _signed_with_the_test_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_0123456789abcdef"


def test_redeem_opens_a_payment_checkout_tied_to_the_redemption(offer, make_members, stripe_emulator):
    [member] = make_members(1)
    url = start(offer, member)
    session = stripe_emulator.get(url.rsplit("/", 1)[1])
    redemption = Redemption.objects.get()
    assert session["mode"] == "payment" and session["amount_total"] == 2500 and session["currency"] == "usd"
    assert session["metadata"]["offer_redemption_id"] == str(redemption.pk)
    assert redemption.status == RedemptionStatus.RESERVED
    assert session["expires_at"] < redemption.reserved_until.timestamp()  # Checkout closes first


def test_webhook_records_the_payment_once(offer, make_members, stripe_emulator, django_capture_on_commit_callbacks):
    [member] = make_members(1)
    session_id = pay(stripe_emulator, start(offer, member), django_capture_on_commit_callbacks)
    redemption = Redemption.objects.get()
    assert (redemption.status, redemption.amount_minor, redemption.currency) == (RedemptionStatus.PAID, 2500, "USD")
    assert redemption.stripe_checkout_session_id == session_id and redemption.stripe_payment_intent_id
    event = WebhookEvent.objects.get(type="checkout.session.completed")
    # Delivered again (Stripe retries): nothing changes.
    _, note = redemption_payment_confirm(stripe_session=event.payload["data"]["object"])
    assert "already" in note
    assert Redemption.objects.filter(status=RedemptionStatus.PAID).count() == 1


def test_a_second_click_reuses_the_open_checkout(offer, make_members):
    [member] = make_members(1)
    assert start(offer, member) == start(offer, member)
    assert Redemption.objects.count() == 1


def test_member_cannot_redeem_twice(offer, make_members, stripe_emulator, django_capture_on_commit_callbacks):
    [member] = make_members(1)
    pay(stripe_emulator, start(offer, member), django_capture_on_commit_callbacks)
    with pytest.raises(OffersError):
        start(offer, member)


def test_quantity_limit_counts_paid_and_open_reservations(club, make_members):
    offer = OfferFactory(club=club, quantity_limit=2)
    first, second, third = make_members(3)
    start(offer, first)
    start(offer, second)
    with pytest.raises(OfferUnavailable):
        start(offer, third)
    # An abandoned checkout gives its unit back once the reservation runs out.
    Redemption.objects.filter(user=first).update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert start(offer, third)


def test_expired_or_future_offers_cannot_be_redeemed(club, make_members):
    [member] = make_members(1)
    expired = OfferFactory(club=club, valid_until=timezone.now() - timedelta(minutes=1))
    future = OfferFactory(club=club, valid_from=timezone.now() + timedelta(days=1))
    for offer in (expired, future):
        with pytest.raises(OfferUnavailable):
            start(offer, member)


def test_only_members_with_access_redeem(club, offer, make_members):
    from clubs.models import MembershipStatus

    [lapsed] = make_members(1, status=MembershipStatus.CANCELED)
    with pytest.raises(OffersError):
        start(offer, lapsed)


def test_discount_offer_preapplies_its_promotion_code(club, make_members, stripe_emulator):
    from offers.services.posting import offer_create

    leader = make_members(1)[0]
    offer = offer_create(
        club=club,
        actor=leader,
        data={
            "title": "20% off the cookbook",
            "body": "Our cookbook, for members.",
            "kind": OfferKind.DISCOUNT,
            "price_minor": 4000,
            "percent_off": 20,
            "valid_from": timezone.now() - timedelta(hours=1),
        },
    )
    assert offer.promotion_code and offer.stripe_promotion_code_id.startswith("promo_")
    coupon = stripe_emulator.get(offer.stripe_coupon_id)
    assert coupon["percent_off"] == 20 and coupon["duration"] == "once"
    [member] = make_members(1)
    session = stripe_emulator.get(start(offer, member).rsplit("/", 1)[1])
    [discount] = session["discounts"]
    member_code = stripe_emulator.get(discount["promotion_code"])
    assert discount["coupon"] == coupon["id"] and member_code["promotion"]["coupon"] == coupon["id"]
    assert member_code["customer"] == member.stripe_customer.stripe_customer_id  # bound to this member
    assert (session["amount_subtotal"], session["amount_total"]) == (4000, 3200) == (4000, offer.amount_due_minor)


def test_gateway_failure_releases_the_unit(club, make_members, monkeypatch):
    offer = OfferFactory(club=club, quantity_limit=1)
    first, second = make_members(2)

    def refuse(**kwargs):
        raise gateway.GatewayError("Stripe is down")

    monkeypatch.setattr(gateway, "payment_checkout_session_create", refuse)
    with pytest.raises(OffersError):
        start(offer, first)
    monkeypatch.undo()
    assert start(offer, second)


@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_never_oversell(club, make_members):
    """Eight members press Redeem at the same moment for the last three units (PostgreSQL row locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrency; runs under CI=true")
    offer = OfferFactory(club=club, quantity_limit=3)
    members = make_members(8)
    barrier = threading.Barrier(len(members))
    outcomes = []

    def redeem(member):
        try:
            barrier.wait()
            start(offer, member)
            outcomes.append("reserved")
        except OfferUnavailable:
            outcomes.append("sold out")
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["reserved"] * 3 + ["sold out"] * 5
    assert Redemption.objects.filter(offer=offer, status=RedemptionStatus.RESERVED).count() == 3
