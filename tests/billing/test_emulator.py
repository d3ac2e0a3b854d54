"""The Stripe emulator, driven through the real ``stripe.StripeClient`` (no network, no database)."""

import json
from pathlib import Path

import pytest
import stripe

from billing import gateway
from billing.gateway import API_VERSION
from devtools.stripe_emulator import StripeEmulator, add_months, decode_form, signed_delivery
from tests.billing.stripe_events import WEBHOOK_SECRET, stripe_event

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"
JAN_1 = 1767225600  # 2026-01-01T00:00:00Z
FEB_1 = 1769904000
MAR_1 = 1772323200
DAY = 86_400


class Clock:
    def __init__(self, now: int = JAN_1):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def emulator(clock):
    return StripeEmulator(clock=clock, seed=7)


@pytest.fixture
def client(emulator):
    return stripe.StripeClient(
        "sk_test_emulated", stripe_version=API_VERSION, max_network_retries=2, http_client=emulator
    )


@pytest.fixture
def catalog(client):
    """One club (product) with a monthly and a yearly price, and one customer."""
    product = client.v1.products.create(params={"name": "Harbour Runners", "metadata": {"club_id": "1"}})

    def price(amount, interval="month", count=1):
        return client.v1.prices.create(
            params={
                "product": product.id,
                "unit_amount": amount,
                "currency": "usd",
                "recurring": {"interval": interval, "interval_count": count},
                "metadata": {"plan_id": "1"},
            }
        )

    customer = client.v1.customers.create(
        params={"email": "jenny.rosen@example.com", "name": "Jenny Rosen", "metadata": {"user_id": "1"}}
    )
    return {"product": product, "price": price, "customer": customer}


def open_session(client, customer, price, *, trial_days=None, mode="subscription"):
    params = {
        "mode": mode,
        "customer": customer.id,
        "client_reference_id": "1",
        "line_items": [{"price": price.id, "quantity": 1}],
        "metadata": {"membership_id": "1"},
        "success_url": "https://returnpath.example/billing/return/?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://returnpath.example/clubs/harbour-runners/",
    }
    if mode == "subscription":
        params["allow_promotion_codes"] = True
        params["subscription_data"] = {"metadata": {"membership_id": "1"}}
        if trial_days:
            params["subscription_data"]["trial_period_days"] = trial_days
    return client.v1.checkout.sessions.create(params=params, options={"idempotency_key": f"checkout-{price.id}"})


def subscribe(client, emulator, catalog, *, amount=1500, trial_days=None, interval="month", count=1):
    price = catalog["price"](amount, interval, count)
    session = open_session(client, catalog["customer"], price, trial_days=trial_days)
    events = emulator.complete_checkout(session.id)
    subscription = client.v1.subscriptions.retrieve(events[0]["data"]["object"]["subscription"])
    return price, subscription, events


def types(events):
    return [event["type"] for event in events]


# --- Encoding and calendar ------------------------------------------------------------------------


def test_form_decoder_builds_nested_dicts_and_lists():
    body = (
        "mode=subscription&line_items[0][price]=price_1&line_items[0][quantity]=1"
        "&subscription_data[metadata][membership_id]=7&metadata[0]=zero&created[gt]=5&expand[0]=customer"
    )
    assert decode_form(body) == {
        "mode": "subscription",
        "line_items": [{"price": "price_1", "quantity": "1"}],
        "subscription_data": {"metadata": {"membership_id": "7"}},
        "metadata": {"0": "zero"},  # metadata keys stay keys even when they look like indexes
        "created": {"gt": "5"},
        "expand": ["customer"],
    }
    assert decode_form("a%5Bb%5D%5B1%5D=y&a%5Bb%5D%5B0%5D=x") == {"a": {"b": ["x", "y"]}}


def test_add_months_clamps_to_the_end_of_shorter_months():
    jan_31 = 1769817600  # 2026-01-31T00:00:00Z
    assert add_months(jan_31, 1) == 1772236800  # 2026-02-28
    assert add_months(jan_31, 2) == 1774915200  # 2026-03-31: counted from the anchor, not from Feb 28
    assert add_months(JAN_1, 12) == 1798761600  # 2027-01-01


# --- Catalog, customers, checkout -----------------------------------------------------------------


def test_created_objects_have_stripe_shapes(client, catalog):
    product, customer = catalog["product"], catalog["customer"]
    price = catalog["price"](1500, "month", 3)
    assert product.id.startswith("prod_") and product.object == "product" and product.livemode is False
    assert product.metadata.to_dict() == {"club_id": "1"}
    assert price.id.startswith("price_") and price.product == product.id
    assert (price.unit_amount, price.currency, price.type) == (1500, "usd", "recurring")
    assert (price.recurring.interval, price.recurring.interval_count) == ("month", 3)
    assert customer.id.startswith("cus_") and customer.email == "jenny.rosen@example.com"

    renamed = client.v1.products.update(product.id, params={"name": "Harbour Runners Club"})
    assert renamed.name == "Harbour Runners Club"
    archived = client.v1.prices.update(price.id, params={"active": False})
    assert archived.active is False
    with pytest.raises(stripe.InvalidRequestError) as refused:
        open_session(client, customer, price)
    assert refused.value.param == "line_items[0][price]"


def test_checkout_creates_subscription_invoice_and_payment(client, emulator, catalog):
    price = catalog["price"](1500)
    session = open_session(client, catalog["customer"], price)
    assert session.id.startswith("cs_test_") and session.status == "open" and session.payment_status == "unpaid"
    assert session.url == f"/billing/demo-checkout/{session.id}"

    events = emulator.complete_checkout(session.id)

    assert types(events) == [
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
        "invoice_payment.paid",
    ]
    assert [event["created"] for event in events] == sorted(event["created"] for event in events)
    completed = events[0]["data"]["object"]
    assert completed["status"] == "complete" and completed["payment_status"] == "paid"
    assert completed["client_reference_id"] == "1" and completed["metadata"] == {"membership_id": "1"}
    assert completed["customer"] == catalog["customer"].id and completed["mode"] == "subscription"

    subscription = client.v1.subscriptions.retrieve(completed["subscription"])
    item = subscription["items"].data[0]
    assert subscription.status == "active" and subscription.metadata.to_dict() == {"membership_id": "1"}
    assert subscription.collection_method == "charge_automatically" and subscription.customer == completed["customer"]
    assert "current_period_end" not in subscription  # moved to the items in 2025-03-31.basil
    assert item.id.startswith("si_") and item.price.id == price.id and item.quantity == 1
    assert (item.current_period_start, item.current_period_end) == (JAN_1, FEB_1)

    invoice = events[2]["data"]["object"]
    assert invoice["id"] == subscription.latest_invoice
    assert invoice["parent"]["subscription_details"]["subscription"] == subscription.id
    assert (invoice["status"], invoice["billing_reason"]) == ("paid", "subscription_create")
    assert invoice["amount_paid"] == invoice["amount_due"] == 1500
    assert invoice["hosted_invoice_url"].startswith("https://invoice.stripe.com/i/acct_emulated/")
    assert invoice["invoice_pdf"] == invoice["hosted_invoice_url"] + "/pdf"
    assert "charge" not in invoice and "payment_intent" not in invoice

    payments = client.v1.invoice_payments.list(params={"invoice": invoice["id"], "limit": 10})
    assert len(payments.data) == 1
    payment = payments.data[0]
    assert payment.object == "invoice_payment" and payment.id.startswith("inpay_") and payment.is_default
    assert (payment.status, payment.amount_paid, payment.payment.type) == ("paid", 1500, "payment_intent")
    charge = emulator.get(emulator.get(payment.payment.payment_intent)["latest_charge"])
    assert (charge["status"], charge["amount"], charge["customer"]) == ("succeeded", 1500, subscription.customer)
    assert "invoice" not in charge


def test_checkout_with_a_trial_bills_nothing_until_the_trial_ends(client, emulator, catalog):
    _, subscription, events = subscribe(client, emulator, catalog, trial_days=14)

    assert types(events) == ["checkout.session.completed", "customer.subscription.created", "invoice.paid"]
    assert events[0]["data"]["object"]["payment_status"] == "no_payment_required"
    invoice = events[2]["data"]["object"]
    assert (invoice["amount_paid"], invoice["billing_reason"], invoice["status"]) == (0, "subscription_create", "paid")
    assert client.v1.invoice_payments.list(params={"invoice": invoice["id"]}).data == []  # nothing was charged
    item = subscription["items"].data[0]
    assert subscription.status == "trialing" and subscription.trial_end == JAN_1 + 14 * DAY
    assert (item.current_period_start, item.current_period_end) == (JAN_1, JAN_1 + 14 * DAY)

    ended = emulator.end_trial(subscription.id)

    assert types(ended) == ["invoice.paid", "invoice_payment.paid", "customer.subscription.updated"]
    assert ended[0]["data"]["object"]["amount_paid"] == 1500
    updated = ended[2]["data"]
    assert updated["object"]["status"] == "active" and updated["previous_attributes"]["status"] == "trialing"
    assert updated["object"]["items"]["data"][0]["current_period_end"] == FEB_1


@pytest.mark.parametrize(
    ("interval", "count", "end"),
    [("month", 3, add_months(JAN_1, 3)), ("year", 1, add_months(JAN_1, 12)), ("week", 2, JAN_1 + 14 * DAY)],
)
def test_period_is_one_interval_long(client, emulator, catalog, interval, count, end):
    _, subscription, _ = subscribe(client, emulator, catalog, interval=interval, count=count)
    item = subscription["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (JAN_1, end)


def test_payment_mode_checkout_charges_once(client, emulator, catalog):
    one_off = client.v1.prices.create(params={"product": catalog["product"].id, "unit_amount": 4000, "currency": "usd"})
    session = open_session(client, catalog["customer"], one_off, mode="payment")

    events = emulator.complete_checkout(session.id)

    assert types(events) == ["checkout.session.completed"]
    completed = events[0]["data"]["object"]
    assert completed["payment_intent"].startswith("pi_") and completed["subscription"] is None
    assert emulator.get(completed["payment_intent"])["status"] == "succeeded"


def test_billing_portal_session_returns_to_the_site(client, catalog):
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": catalog["customer"].id, "return_url": "https://returnpath.example/account/"}
    )
    assert portal.id.startswith("bps_") and portal.object == "billing_portal.session"
    assert portal.url == "https://returnpath.example/account/?portal=demo"


# --- Subscription changes -------------------------------------------------------------------------


def test_plan_switch_preview_shows_prorations(client, emulator, catalog):
    _, subscription, _ = subscribe(client, emulator, catalog, amount=1500)
    dearer = catalog["price"](3000)
    item = subscription["items"].data[0]
    midway = JAN_1 + (FEB_1 - JAN_1) // 2

    preview = client.v1.invoices.create_preview(
        params={
            "customer": subscription.customer,
            "subscription": subscription.id,
            "subscription_details": {"items": [{"id": item.id, "price": dearer.id}], "proration_date": midway},
        }
    )

    prorations = [line for line in preview.lines.data if line.parent.type == "invoice_item_details"]
    assert [line.amount for line in prorations] == [-750, 1500]  # half a period unused, half remaining
    assert all(line.parent.invoice_item_details.proration for line in prorations)
    assert prorations[1].pricing.price_details.price == dearer.id
    assert preview.amount_due == -750 + 1500 + 3000  # prorations ride on the next invoice with the new price
    assert preview.parent.subscription_details.subscription_proration_date == midway
    assert emulator.get(subscription.id)["items"]["data"][0]["price"]["id"] != dearer.id  # a preview changes nothing


def test_plan_switch_with_always_invoice_charges_the_difference_now(client, emulator, clock, catalog):
    _, subscription, _ = subscribe(client, emulator, catalog, amount=1500)
    dearer = catalog["price"](3000)
    item = subscription["items"].data[0]
    clock.now = JAN_1 + (FEB_1 - JAN_1) // 2
    mark = len(emulator.events)

    updated = client.v1.subscriptions.update(
        subscription.id,
        params={"items": [{"id": item.id, "price": dearer.id}], "proration_behavior": "always_invoice"},
    )

    assert updated["items"].data[0].price.id == dearer.id
    new_events = emulator.events[mark:]
    assert types(new_events) == ["customer.subscription.updated", "invoice.paid", "invoice_payment.paid"]
    previous = new_events[0]["data"]["previous_attributes"]
    assert previous["items"]["data"][0]["price"]["id"] != dearer.id
    invoice = new_events[1]["data"]["object"]
    assert (invoice["billing_reason"], invoice["amount_paid"]) == ("subscription_update", 750)


def test_cancel_at_period_end_then_renewal_ends_the_subscription(client, emulator, catalog):
    _, subscription, _ = subscribe(client, emulator, catalog)
    mark = len(emulator.events)

    updated = client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})

    assert updated.cancel_at_period_end is True and updated.cancel_at == FEB_1 and updated.status == "active"
    [event] = emulator.events[mark:]
    assert event["type"] == "customer.subscription.updated"
    assert event["data"]["previous_attributes"]["cancel_at_period_end"] is False
    assert event["request"]["id"].startswith("req_") and event["request"]["idempotency_key"]

    ended = emulator.advance_to_renewal(subscription.id, succeed=True)

    assert types(ended) == ["customer.subscription.deleted"]
    assert ended[0]["data"]["object"]["status"] == "canceled" and ended[0]["data"]["object"]["ended_at"] == FEB_1


def test_undoing_cancel_at_period_end_clears_cancel_at(client, emulator, catalog):
    _, subscription, _ = subscribe(client, emulator, catalog)
    client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    resumed = client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": False})
    assert (resumed.cancel_at_period_end, resumed.cancel_at, resumed.canceled_at) == (False, None, None)
    assert emulator.events[-1]["data"]["previous_attributes"]["cancel_at_period_end"] is True


def test_cancel_now_emits_deleted(client, emulator, clock, catalog):
    _, subscription, _ = subscribe(client, emulator, catalog)
    clock.now = JAN_1 + 5 * DAY

    canceled = client.v1.subscriptions.cancel(subscription.id)

    assert (canceled.status, canceled.ended_at, canceled.canceled_at) == ("canceled", clock.now, clock.now)
    assert emulator.events[-1]["type"] == "customer.subscription.deleted"
    assert emulator.events[-1]["data"]["object"]["id"] == subscription.id
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.cancel(subscription.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})


def test_renewal_success_and_failure(client, emulator, catalog):
    _, subscription, _ = subscribe(client, emulator, catalog)

    renewed = emulator.advance_to_renewal(subscription.id, succeed=True)

    assert types(renewed) == ["invoice.paid", "invoice_payment.paid", "customer.subscription.updated"]
    invoice = renewed[0]["data"]["object"]
    assert (invoice["billing_reason"], invoice["amount_paid"]) == ("subscription_cycle", 1500)
    assert invoice["lines"]["data"][0]["period"] == {"start": FEB_1, "end": MAR_1}
    item = renewed[2]["data"]["object"]["items"]["data"][0]
    assert (item["current_period_start"], item["current_period_end"]) == (FEB_1, MAR_1)
    assert renewed[2]["data"]["previous_attributes"]["items"]["data"][0]["current_period_end"] == FEB_1

    declined = emulator.advance_to_renewal(subscription.id, succeed=False)

    assert types(declined) == ["invoice.payment_failed", "customer.subscription.updated"]
    failed = declined[0]["data"]["object"]
    assert (failed["status"], failed["amount_paid"], failed["amount_remaining"]) == ("open", 0, 1500)
    assert declined[1]["data"]["object"]["status"] == "past_due"
    assert declined[1]["data"]["previous_attributes"]["status"] == "active"

    recovered = emulator.pay_invoice(failed["id"])

    assert types(recovered) == ["invoice.paid", "invoice_payment.paid", "customer.subscription.updated"]
    assert recovered[2]["data"]["object"]["status"] == "active"


# --- Idempotency, errors, events ------------------------------------------------------------------


def test_idempotency_key_reuse_returns_the_same_object_and_creates_once(client, emulator):
    params = {"name": "Harbour Runners", "metadata": {"club_id": "1"}}
    first = client.v1.products.create(params=params, options={"idempotency_key": "product-club-1"})
    second = client.v1.products.create(params=params, options={"idempotency_key": "product-club-1"})

    assert first.id == second.id
    assert [obj for obj in emulator.objects.values() if obj["object"] == "product"] == [emulator.get(first.id)]
    recorded = [request for request in emulator.requests if request["path"] == "/v1/products"]
    assert [request["idempotency_key"] for request in recorded] == ["product-club-1", "product-club-1"]
    assert recorded[0]["method"] == "POST" and recorded[0]["params"] == params

    with pytest.raises(stripe.IdempotencyError):
        client.v1.products.create(params={"name": "Other"}, options={"idempotency_key": "product-club-1"})


def test_unknown_ids_and_parameters_are_refused_as_stripe_does(client, catalog):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.subscriptions.retrieve("sub_missing")
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"
    assert "No such subscription: 'sub_missing'" in str(missing.value)

    with pytest.raises(stripe.InvalidRequestError) as bad_price:
        client.v1.checkout.sessions.create(
            params={"mode": "subscription", "line_items": [{"price": "price_missing"}], "success_url": "https://x/"}
        )
    assert bad_price.value.http_status == 400 and bad_price.value.param == "line_items[0][price]"

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.customers.create(params={"emial": "typo@example.com"})
    assert unknown.value.param == "emial"


def test_events_list_newest_first_with_pagination(client, emulator, clock, catalog):
    subscribe(client, emulator, catalog)  # four events at JAN_1 (with invoice_payment.paid)
    clock.now = JAN_1 + 60
    subscribe(client, emulator, catalog)  # four more a minute later
    assert len(emulator.events) == 8

    page = client.v1.events.list(params={"limit": 4})
    assert page.has_more is True and len(page.data) == 4
    assert [event.id for event in page.data] == [event["id"] for event in reversed(emulator.events)][:4]
    rest = client.v1.events.list(params={"limit": 4, "starting_after": page.data[-1].id})
    assert rest.has_more is False and len(rest.data) == 4
    assert [event.id for event in rest.data] == [event["id"] for event in emulator.events[:4][::-1]]

    recent = client.v1.events.list(params={"created": {"gt": JAN_1}, "limit": 100})
    assert len(recent.data) == 4 and all(event.created > JAN_1 for event in recent.data)
    assert len(list(client.v1.events.list(params={"limit": 2}).auto_paging_iter())) == 8


def test_refunds_update_the_charge_and_emit_charge_refunded(client, emulator, catalog):
    _, subscription, _ = subscribe(client, emulator, catalog)
    payment = client.v1.invoice_payments.list(params={"invoice": subscription.latest_invoice}).data[0]
    payment_intent = payment.payment.payment_intent

    refund = client.v1.refunds.create(
        params={"payment_intent": payment_intent, "amount": 500, "reason": "requested_by_customer"},
        options={"idempotency_key": "refund-1"},
    )

    assert refund.id.startswith("re_") and (refund.amount, refund.status) == (500, "succeeded")
    refunded = [event for event in emulator.events if event["type"] == "charge.refunded"]
    assert len(refunded) == 1
    charge = refunded[0]["data"]["object"]
    assert (charge["amount_refunded"], charge["refunded"], charge["payment_intent"]) == (500, False, payment_intent)
    assert refunded[0]["data"]["previous_attributes"] == {"amount_refunded": 0}

    client.v1.refunds.create(params={"payment_intent": payment_intent})  # the rest
    assert emulator.get(charge["id"])["refunded"] is True
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": payment_intent, "amount": 1})


def test_events_have_the_envelope_of_a_delivered_event(client, emulator, catalog):
    _, _, events = subscribe(client, emulator, catalog)
    reference = stripe_event("customer.created", {"id": "cus_x", "object": "customer"})
    for event in events:
        assert set(event) == set(reference) and set(event["data"]) == set(reference["data"])
        assert event["id"].startswith("evt_") and event["api_version"] == API_VERSION
        assert event["livemode"] is False and event["pending_webhooks"] == 1
        assert event["request"] == {"id": None, "idempotency_key": None}  # Stripe acted on its own


def test_signed_delivery_verifies_with_the_sdk(client, emulator, catalog):
    _, _, events = subscribe(client, emulator, catalog)
    body, header = signed_delivery(events[0], WEBHOOK_SECRET)
    verified = client.construct_event(body, header, WEBHOOK_SECRET)
    assert verified.id == events[0]["id"] and verified.type == "checkout.session.completed"
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(body, header, "whsec_other")


def test_gateway_functions_work_against_the_emulator(monkeypatch, emulator, clock):
    monkeypatch.setattr(gateway, "client", emulator.client)
    product = gateway.product_create(name="Harbour Runners", metadata={"club_id": "1"}, key="product-1")
    price = gateway.price_create(
        product_id=product.id,
        amount_minor=1500,
        currency="USD",
        interval="month",
        interval_count=1,
        metadata={"plan_id": "1"},
        key="price-1",
    )
    customer = gateway.customer_create(email="a@example.com", name="A", metadata={"user_id": "1"}, key="customer-1")
    session = gateway.checkout_session_create(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://returnpath.example/ok",
        },
        key="checkout-1",
    )
    events = emulator.complete_checkout(session.id)
    subscription_id = events[1]["data"]["object"]["id"]
    invoice_id = events[2]["data"]["object"]["id"]
    [payment] = gateway.invoice_payments_list(invoice_id=invoice_id).data
    gateway.refund_create(
        payment_intent_id=payment.payment.payment_intent, amount_minor=100, reason="other", metadata={}, key="refund-1"
    )
    assert gateway.subscription_retrieve(subscription_id=subscription_id).status == "active"
    assert len(gateway.events_list(created_after=JAN_1 - 1).data) == 6
    with pytest.raises(gateway.GatewayError, match="No such subscription"):
        gateway.subscription_retrieve(subscription_id="sub_missing")


# --- Fixtures agree with the emulator -------------------------------------------------------------


def _emulated_objects(client, emulator, clock, catalog):
    """One emulated object for each fixture file."""
    _, trialing, _ = subscribe(client, emulator, catalog, trial_days=14)
    _, active, created = subscribe(client, emulator, catalog)
    failed = emulator.advance_to_renewal(active.id, succeed=False)[0]["data"]["object"]
    payment = client.v1.invoice_payments.list(params={"invoice": created[2]["data"]["object"]["id"]}).data[0]
    client.v1.refunds.create(params={"payment_intent": payment.payment.payment_intent})
    refunded = next(event for event in emulator.events if event["type"] == "charge.refunded")
    return {
        "customer.json": catalog["customer"].to_dict(),
        "checkout_session_completed_subscription.json": created[0]["data"]["object"],
        "subscription_active.json": created[1]["data"]["object"],
        "subscription_trialing.json": trialing.to_dict(),
        "invoice_paid.json": created[2]["data"]["object"],
        "invoice_payment_failed.json": failed,
        "charge_refunded.json": refunded["data"]["object"],
    }


def _missing_keys(fixture, emulated, path="") -> list[str]:
    """Keys the fixture has and the emulated object lacks, at any depth (lists: first element)."""
    if isinstance(fixture, dict) and isinstance(emulated, dict):
        missing = [f"{path}{key}" for key in fixture if key not in emulated]
        for key, value in fixture.items():
            if key in emulated and key != "metadata":
                missing += _missing_keys(value, emulated[key], f"{path}{key}.")
        return missing
    if isinstance(fixture, list) and isinstance(emulated, list) and fixture and emulated:
        return _missing_keys(fixture[0], emulated[0], f"{path}0.")
    return []


FIXTURE_FILES = [
    "customer.json",
    "checkout_session_completed_subscription.json",
    "subscription_active.json",
    "subscription_trialing.json",
    "invoice_paid.json",
    "invoice_payment_failed.json",
    "charge_refunded.json",
]


def test_fixture_files_are_all_present():
    assert sorted(path.name for path in FIXTURES.glob("*.json")) == sorted(FIXTURE_FILES)


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_fixture_keys_are_a_subset_of_the_emulated_object(client, emulator, clock, catalog, name):
    fixture = json.loads((FIXTURES / name).read_text())
    emulated = _emulated_objects(client, emulator, clock, catalog)[name]
    assert emulated["object"] == fixture["object"]
    assert set(fixture) <= set(emulated), sorted(set(fixture) - set(emulated))
    assert _missing_keys(fixture, emulated) == []
    assert fixture.get("status") == emulated.get("status")
    if name.startswith(("subscription_", "checkout_")):
        assert fixture["metadata"] == emulated["metadata"] == {"membership_id": "1"}
    if name.startswith("invoice_"):
        details = fixture["parent"]["subscription_details"]
        assert details["metadata"] == emulated["parent"]["subscription_details"]["metadata"] == {"membership_id": "1"}
