"""sync_stripe_catalog: one Stripe Product per club, one active recurring Price per active plan."""

import io

import pytest
from django.core.management import call_command

from billing.models import Invoice, StripePrice, StripeProduct
from clubs.models import MembershipStatus
from tests.billing.test_lifecycle import deliver, join, join_and_pay, newest_subscription, one
from tests.factories import ClubFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


def sync() -> str:
    out = io.StringIO()
    call_command("sync_stripe_catalog", stdout=out)
    return out.getvalue().strip()


def writes(emulator) -> list[tuple[str, str]]:
    return [(request["method"], request["path"]) for request in emulator.requests if request["method"] != "GET"]


@pytest.fixture
def second_club(db):
    club = ClubFactory(name="Harbour Runners", slug="harbour-runners", currency="EUR")
    PlanFactory(club=club, name="Monthly", price_minor=900)
    PlanFactory(club=club, name="Retired", price_minor=100, is_active=False)
    return club


def test_sync_creates_one_product_per_club_and_one_price_per_active_plan(club, second_club, stripe_emulator):
    assert sync() == "products created 2, renamed 0; prices created 4, archived 0"

    for each in (club, second_club):
        product = StripeProduct.objects.get(club=each)
        at_stripe = stripe_emulator.get(product.stripe_product_id)
        assert (at_stripe["name"], at_stripe["metadata"]) == (each.name, {"club_id": str(each.pk)})
        for plan in each.plans.all():
            prices = list(plan.stripe_prices.all())
            if not plan.is_active:
                assert prices == []
                continue
            [price] = prices
            assert price.active and price.matches(plan)
            at_stripe = stripe_emulator.get(price.stripe_price_id)
            assert at_stripe["product"] == product.stripe_product_id
            assert at_stripe["unit_amount"] == plan.price_minor
            assert at_stripe["currency"] == plan.currency.lower()
            assert at_stripe["recurring"]["interval"] == plan.interval
            assert at_stripe["recurring"]["interval_count"] == plan.interval_count
            assert at_stripe["metadata"] == {"plan_id": str(plan.pk), "club_id": str(each.pk)}
    assert writes(stripe_emulator).count(("POST", "/v1/products")) == 2
    assert writes(stripe_emulator).count(("POST", "/v1/prices")) == 4


def test_second_sync_creates_nothing_and_sends_nothing_to_stripe(club, second_club, stripe_emulator):
    sync()
    products, prices, sent = StripeProduct.objects.count(), StripePrice.objects.count(), len(stripe_emulator.requests)

    assert sync() == "products created 0, renamed 0; prices created 0, archived 0"

    assert len(stripe_emulator.requests) == sent
    assert (StripeProduct.objects.count(), StripePrice.objects.count()) == (products, prices)


def test_new_price_archives_the_old_one_and_existing_subscribers_keep_it(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    monthly = club.plans.get(name="Monthly")
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=UserFactory(), plan=monthly
    )
    subscription = newest_subscription(membership)
    old_price = monthly.stripe_prices.get(active=True)
    assert subscription.stripe_price_id == old_price.stripe_price_id
    sent = len(writes(stripe_emulator))

    monthly.price_minor = 600
    monthly.save()
    assert sync() == "products created 0, renamed 0; prices created 1, archived 1"

    assert writes(stripe_emulator)[sent:] == [
        ("POST", "/v1/prices"),
        ("POST", f"/v1/prices/{old_price.stripe_price_id}"),
    ]
    new_price = monthly.stripe_prices.get(active=True)
    old_price.refresh_from_db()
    assert (new_price.amount_minor, old_price.active) == (600, False)
    assert stripe_emulator.get(old_price.stripe_price_id)["active"] is False
    assert stripe_emulator.get(new_price.stripe_price_id)["unit_amount"] == 600
    at_stripe = stripe_emulator.get(subscription.stripe_subscription_id)
    assert at_stripe["items"]["data"][0]["price"]["id"] == old_price.stripe_price_id

    # The existing subscriber renews at the old price and still maps to the plan.
    renewal = stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=True)
    deliver(renewal, django_capture_on_commit_callbacks)
    subscription.refresh_from_db()
    membership.refresh_from_db()
    assert (subscription.plan, subscription.stripe_price_id, subscription.amount_minor) == (
        monthly,
        old_price.stripe_price_id,
        500,
    )
    assert (membership.plan, membership.status) == (monthly, MembershipStatus.ACTIVE)
    renewal_invoice = Invoice.objects.get(stripe_invoice_id=one(renewal, "invoice.paid")["data"]["object"]["id"])
    assert renewal_invoice.amount_paid_minor == 500

    # A new member pays the new price.
    session_id = join(client, UserFactory(), monthly)
    assert stripe_emulator.get(session_id)["amount_total"] == 600


def test_deactivated_plan_has_its_price_archived(club, stripe_emulator):
    sync()
    six_months = club.plans.get(name="6 months")
    price = six_months.stripe_prices.get()

    six_months.is_active = False
    six_months.save()
    report = sync()

    price.refresh_from_db()
    assert price.active is False
    assert stripe_emulator.get(price.stripe_price_id)["active"] is False
    assert report == "products created 0, renamed 0; prices created 0, archived 1"


def test_deactivated_plan_with_a_changed_price_gets_no_new_price(club, stripe_emulator):
    sync()
    six_months = club.plans.get(name="6 months")
    price = six_months.stripe_prices.get()

    six_months.is_active = False
    six_months.price_minor = 3000
    six_months.save()
    assert sync() == "products created 0, renamed 0; prices created 0, archived 1"

    assert list(six_months.stripe_prices.all()) == [price]
    price.refresh_from_db()
    assert price.active is False
    assert stripe_emulator.get(price.stripe_price_id)["active"] is False


def test_renaming_a_club_renames_its_product(club, stripe_emulator):
    sync()
    product = StripeProduct.objects.get(club=club)
    sent = len(writes(stripe_emulator))

    club.name = "Healthy and Happy People"
    club.save()
    assert sync() == "products created 0, renamed 1; prices created 0, archived 0"

    assert writes(stripe_emulator)[sent:] == [("POST", f"/v1/products/{product.stripe_product_id}")]
    product.refresh_from_db()
    assert product.name == "Healthy and Happy People"
    assert stripe_emulator.get(product.stripe_product_id)["name"] == "Healthy and Happy People"
    assert StripeProduct.objects.count() == 1
