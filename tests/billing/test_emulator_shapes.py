"""The emulator's objects have the fields and types of the installed stripe SDK's classes (the SDK is generated
for the pinned API version), so the emulator cannot drift from Stripe unnoticed; and it produces every case
issue 15 needs (Dashboard refunds, refunds out of order, delayed checkout payments, deleted customers)."""

import inspect
import re

import pytest
import stripe
from django.utils import timezone

from billing import gateway
from devtools.stripe_emulator import StripeEmulator

pytestmark = pytest.mark.django_db

CLASSES = {
    "customer": stripe.Customer,
    "subscription": stripe.Subscription,
    "invoice": stripe.Invoice,
    "invoice_payment": stripe.InvoicePayment,
    "charge": stripe.Charge,
    "refund": stripe.Refund,
    "checkout.session": stripe.checkout.Session,
    "promotion_code": stripe.PromotionCode,
    "coupon": stripe.Coupon,
}
PYTHON_TYPES = {"str": str, "int": int, "bool": bool, "float": (int, float), "Dict": dict}


def _annotations(cls) -> dict[str, str]:
    found: dict[str, str] = {}
    for klass in reversed(inspect.getmro(cls)):
        for name, annotation in getattr(klass, "__annotations__", {}).items():
            text = annotation if isinstance(annotation, str) else str(annotation)
            text = {"<class 'str'>": "str", "<class 'int'>": "int", "<class 'bool'>": "bool"}.get(text, text)
            found[name] = re.sub(r"\b(typing_extensions|typing|stripe\.[\w.]+?)\.(?=[A-Z])", "", text)
    return found


def _type_ok(value, annotation: str) -> bool:
    """Whether a JSON value fits the SDK's annotation (a nested class is an object, a List a list...)."""
    optional = annotation.startswith("Optional[") or "NoneType" in annotation
    inner = re.sub(r"^Optional\[(.*)\]$", r"\1", annotation.strip())
    if value is None:
        return optional
    if inner.startswith("Literal["):
        return isinstance(value, str) and (f'"{value}"' in inner or f"'{value}'" in inner)
    if inner.startswith("List["):
        return isinstance(value, list)
    if inner.startswith("ExpandableField[") or inner.startswith("Union["):
        return isinstance(value, (str, dict))
    if inner in PYTHON_TYPES:
        return isinstance(value, PYTHON_TYPES[inner]) and not (inner == "int" and isinstance(value, bool))
    if inner.startswith("Dict["):
        return isinstance(value, dict)
    if inner.startswith("ListObject["):
        return isinstance(value, dict) and value.get("object") == "list"
    return isinstance(value, dict)  # a nested StripeObject class


def _emulated_objects(stripe_emulator: StripeEmulator) -> dict[str, dict]:
    """One object of each kind, made the way the site makes them (subscription checkout, refund, codes)."""
    client = gateway.client()
    product = client.v1.products.create(params={"name": "Club"})
    price = client.v1.prices.create(
        params={"product": product.id, "unit_amount": 500, "currency": "usd", "recurring": {"interval": "month"}}
    )
    customer = client.v1.customers.create(params={"email": "shape@example.com"})
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://testserver/ok/",
        }
    )
    events = stripe_emulator.complete_checkout(session.id)
    payment = next(event["data"]["object"] for event in events if event["type"] == "invoice_payment.paid")
    intent = stripe_emulator.get(payment["payment"]["payment_intent"])
    refund = [e for e in stripe_emulator.dashboard_refund(intent["latest_charge"], amount=100)]
    coupon = gateway.coupon_create_for_product(name="C", product_id=product.id, metadata={}, key="c", percent_off=10)
    code = gateway.promotion_code_create_restricted(
        coupon_id=coupon.id,
        customer_id=customer.id,
        max_redemptions=1,
        expires_at=int(timezone.now().timestamp()) + 3600,
        metadata={},
        key="p",
    )
    by_kind = {event["data"]["object"]["object"]: event["data"]["object"] for event in events + refund}
    by_kind.update(
        customer=stripe_emulator.get(customer.id),
        coupon=stripe_emulator.get(coupon.id),
        promotion_code=stripe_emulator.get(code.id),
    )
    return by_kind


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_emulator_objects_have_the_sdk_fields_and_types(kind, stripe_emulator):
    obj = _emulated_objects(stripe_emulator)[kind]
    annotations = _annotations(CLASSES[kind])

    unknown = sorted(set(obj) - set(annotations))
    assert not unknown, f"{kind}: fields the SDK ({stripe.VERSION}, {gateway.API_VERSION}) does not know: {unknown}"
    wrong = {field: (obj[field], annotations[field]) for field in obj if not _type_ok(obj[field], annotations[field])}
    assert not wrong, f"{kind}: values whose type differs from the SDK's: {wrong}"
    assert stripe.api_version == gateway.API_VERSION  # the SDK installed is the one generated for the pinned version


def test_emulator_produces_every_case_of_issue_15(stripe_emulator):
    """Dashboard refunds (in two steps, so they can be delivered out of order), delayed checkout payments that
    succeed and fail, and a customer deleted in the Dashboard, each with the events Stripe sends."""
    objects = _emulated_objects(stripe_emulator)
    charge_id = objects["charge"]["id"]
    first, second = (
        stripe_emulator.dashboard_refund(charge_id, amount=50),
        stripe_emulator.dashboard_refund(charge_id, amount=25),
    )
    refunded = [e["data"]["object"]["amount_refunded"] for e in first + second if e["type"] == "charge.refunded"]
    assert refunded == [150, 175]  # 100 refunded already by _emulated_objects
    assert all(e["request"]["id"] is None for e in first + second)  # made in the Dashboard, not by our requests

    client = gateway.client()
    outcomes = []
    for succeed in (True, False):
        session = client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "customer": objects["customer"]["id"],
                "line_items": [
                    {
                        "price_data": {"currency": "eur", "unit_amount": 900, "product_data": {"name": "Mug"}},
                        "quantity": 1,
                    }
                ],
                "success_url": "https://testserver/ok/",
            }
        )
        [completed] = stripe_emulator.complete_checkout(session.id, delayed=True)
        assert (completed["type"], completed["data"]["object"]["payment_status"]) == (
            "checkout.session.completed",
            "unpaid",
        )
        [settled] = stripe_emulator.settle_delayed_payment(session.id, succeed=succeed)
        outcomes.append((settled["type"], settled["data"]["object"]["payment_status"]))
    assert outcomes == [
        ("checkout.session.async_payment_succeeded", "paid"),
        ("checkout.session.async_payment_failed", "unpaid"),
    ]

    deleted = stripe_emulator.delete_customer(objects["customer"]["id"])
    assert [e["type"] for e in deleted] == ["customer.subscription.deleted", "customer.deleted"]
    assert client.v1.customers.retrieve(objects["customer"]["id"]).deleted is True
