"""The only module that talks to Stripe.

Everything goes through one ``stripe.StripeClient`` with the API version pinned (webhook payloads
are checked against it), network retries on, a timeout, and an idempotency key on every create.
Tests replace the client's HTTP layer, so requests and responses keep Stripe's real shapes.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings

API_VERSION = "2026-10-28.endive"
NETWORK_RETRIES = 2
TIMEOUT_SECONDS = 20
# Stripe's default tolerance: a signed payload older than this is refused (replay protection).
SIGNATURE_TOLERANCE_SECONDS = 300


class GatewayError(Exception):
    """Stripe refused a request or could not be reached; the message is safe to show to staff."""


class InvalidWebhook(Exception):
    """The payload was not signed by Stripe with our secret, is too old, or is not an event."""


DEMO_SECRET_KEY = "sk_test_returnpath_demo"  # noqa: S105 - never leaves this process
DEMO_WEBHOOK_SECRET = "whsec_returnpath_local_demo"  # noqa: S105 - demo mode only (DEBUG)
_emulator = None
_emulator_client: stripe.StripeClient | None = None


@lru_cache(maxsize=1)
def _client_for(secret_key: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key,
        stripe_version=API_VERSION,
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.new_default_http_client(timeout=TIMEOUT_SECONDS),
    )


def demo_mode() -> bool:
    """No Stripe key and DEBUG on: an in-process emulator stands in for Stripe (never in production)."""
    return not settings.STRIPE_SECRET_KEY and settings.DEBUG


def use_emulator(emulator) -> None:
    """Send every Stripe call to an emulator (demo mode, tests); None goes back to Stripe.

    The client stays a real StripeClient, so the SDK's own request encoding and parsing run.
    """
    global _emulator, _emulator_client
    _emulator = emulator
    _emulator_client = (
        stripe.StripeClient(DEMO_SECRET_KEY, stripe_version=API_VERSION, max_network_retries=0, http_client=emulator)
        if emulator is not None
        else None
    )


def emulator():
    """The emulator in use, starting the demo one on first need; None when talking to Stripe."""
    if _emulator is None and demo_mode():
        from billing.demo import PersistentStripeEmulator

        use_emulator(PersistentStripeEmulator(state_path=settings.BASE_DIR / ".demo-stripe-state.json"))
    return _emulator


def webhook_secret() -> str:
    return settings.STRIPE_WEBHOOK_SECRET or (DEMO_WEBHOOK_SECRET if demo_mode() else "")


def client() -> stripe.StripeClient:
    if emulator() is not None:
        return _emulator_client
    if settings.STRIPE_SECRET_KEY:
        return _client_for(settings.STRIPE_SECRET_KEY)
    raise GatewayError("Stripe is not configured: set STRIPE_SECRET_KEY (or run with DEBUG on for the demo).")


def as_json(stripe_object) -> dict[str, Any]:
    """A Stripe object as plain JSON, as Stripe sends it on the wire (the SDK's Decimals become strings)."""
    return json.loads(json.dumps(stripe_object.to_dict(), default=str))


def idempotency_key(*parts: object) -> str:
    """A stable key for one logical create, so a retried request never creates twice."""
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:48]


def _call(method, params: dict[str, Any] | None = None, *, key: str | None = None):
    options = {"idempotency_key": key} if key else None
    try:
        return method(params=params or {}, options=options) if options else method(params=params or {})
    except stripe.StripeError as error:
        raise GatewayError(error.user_message or str(error)) from error


def _call_id(method, object_id: str, params: dict[str, Any] | None = None, *, key: str | None = None):
    options = {"idempotency_key": key} if key else None
    try:
        if options:
            return method(object_id, params=params or {}, options=options)
        return method(object_id, params=params or {})
    except stripe.StripeError as error:
        raise GatewayError(error.user_message or str(error)) from error


# --- Webhooks ---------------------------------------------------------------------------------


def event_from_webhook(*, payload: bytes, signature_header: str, secret: str) -> dict[str, Any]:
    """Verify the signature and return the event as Stripe sent it (a plain dict).

    Any of the header's v1 signatures may match, which is how Stripe signs during secret rotation.
    """
    if not secret:
        raise InvalidWebhook("No webhook secret is configured.")
    try:
        event = client().construct_event(payload, signature_header, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidWebhook(str(error)) from error
    return as_json(event)


# --- Catalog ------------------------------------------------------------------------------------


def product_create(*, name: str, metadata: dict[str, str], key: str) -> stripe.Product:
    return _call(client().v1.products.create, {"name": name, "metadata": metadata}, key=key)


def product_update(*, product_id: str, name: str) -> stripe.Product:
    return _call_id(client().v1.products.update, product_id, {"name": name})


def price_create(
    *, product_id: str, amount_minor: int, currency: str, interval: str, interval_count: int, metadata: dict, key: str
) -> stripe.Price:
    params = {
        "product": product_id,
        "unit_amount": amount_minor,
        "currency": currency.lower(),
        "recurring": {"interval": interval, "interval_count": interval_count},
        "metadata": metadata,
    }
    return _call(client().v1.prices.create, params, key=key)


def price_archive(*, price_id: str) -> stripe.Price:
    return _call_id(client().v1.prices.update, price_id, {"active": False})


# --- Customers, checkout, portal ----------------------------------------------------------------


def customer_create(*, email: str, name: str, metadata: dict[str, str], key: str) -> stripe.Customer:
    return _call(client().v1.customers.create, {"email": email, "name": name, "metadata": metadata}, key=key)


def checkout_session_create(*, params: dict[str, Any], key: str) -> stripe.checkout.Session:
    return _call(client().v1.checkout.sessions.create, params, key=key)


def payment_checkout_session_create(
    *,
    customer_id: str,
    name: str,
    amount_minor: int,
    currency: str,
    metadata: dict[str, str],
    success_url: str,
    cancel_url: str,
    expires_at: int,
    key: str,
    promotion_code_id: str = "",
) -> stripe.checkout.Session:
    """A one-time payment (mode=payment) for an amount priced here, not in the catalog (price_data).

    ``metadata`` is copied to the PaymentIntent too, so the charge can be tied back to what was bought.
    A promotion code is pre-applied (Stripe does not allow it together with allow_promotion_codes).
    """
    params: dict[str, Any] = {
        "mode": "payment",
        "customer": customer_id,
        "client_reference_id": metadata.get("offer_redemption_id", ""),
        "line_items": [
            {
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": amount_minor,
                    "product_data": {"name": name},
                },
                "quantity": 1,
            }
        ],
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": expires_at,
    }
    if promotion_code_id:
        params["discounts"] = [{"promotion_code": promotion_code_id}]
    return _call(client().v1.checkout.sessions.create, params, key=key)


def coupon_create(
    *,
    name: str,
    metadata: dict[str, str],
    key: str,
    percent_off: int | None = None,
    amount_off_minor: int | None = None,
    currency: str = "",
) -> stripe.Coupon:
    """A one-time discount: percent off, or an amount off in minor units of ``currency``."""
    params: dict[str, Any] = {"name": name[:40], "duration": "once", "metadata": metadata}
    if percent_off:
        params["percent_off"] = percent_off
    else:
        params["amount_off"] = amount_off_minor
        params["currency"] = currency.lower()
    return _call(client().v1.coupons.create, params, key=key)


def promotion_code_create(*, coupon_id: str, code: str, metadata: dict[str, str], key: str) -> stripe.PromotionCode:
    """The code a customer types (or that Checkout pre-applies) for a coupon."""
    params = {"promotion": {"type": "coupon", "coupon": coupon_id}, "code": code, "metadata": metadata}
    return _call(client().v1.promotion_codes.create, params, key=key)


def customer_balance_credit(
    *, customer_id: str, amount_minor: int, currency: str, description: str, metadata: dict[str, str], key: str
):
    """Credit the customer's balance (a negative balance transaction): Stripe takes it off their next invoices."""
    params = {
        "amount": -abs(amount_minor),
        "currency": currency.lower(),
        "description": description[:350],
        "metadata": metadata,
    }
    return _call_id(client().v1.customers.balance_transactions.create, customer_id, params, key=key)


def customer_card_expiry(*, customer_id: str) -> tuple[int, int] | None:
    """(year, month) the customer's saved card expires, or None without a card (renewal reminders ask to update)."""
    cards = _call_id(client().v1.customers.payment_methods.list, customer_id, {"type": "card", "limit": 1})
    if not cards.data:
        return None
    card = cards.data[0].card
    return int(card.exp_year), int(card.exp_month)


def billing_portal_session_create(*, customer_id: str, return_url: str, flow: dict | None = None):
    params: dict[str, Any] = {"customer": customer_id, "return_url": return_url}
    if flow:
        params["flow_data"] = flow
    return _call(client().v1.billing_portal.sessions.create, params)


# --- Subscriptions ------------------------------------------------------------------------------


def subscription_retrieve(*, subscription_id: str) -> stripe.Subscription:
    return _call_id(client().v1.subscriptions.retrieve, subscription_id)


def subscription_update(*, subscription_id: str, params: dict[str, Any]) -> stripe.Subscription:
    return _call_id(client().v1.subscriptions.update, subscription_id, params)


def subscription_cancel(*, subscription_id: str) -> stripe.Subscription:
    return _call_id(client().v1.subscriptions.cancel, subscription_id)


def invoice_preview(*, params: dict[str, Any]) -> stripe.Invoice:
    return _call(client().v1.invoices.create_preview, params)


def invoice_payments_list(*, invoice_id: str):
    return _call(client().v1.invoice_payments.list, {"invoice": invoice_id, "limit": 10})


def refund_create(*, payment_intent_id: str, amount_minor: int, reason: str, metadata: dict, key: str):
    params = {"payment_intent": payment_intent_id, "amount": amount_minor, "metadata": metadata}
    if reason in ("duplicate", "fraudulent", "requested_by_customer"):
        params["reason"] = reason
    return _call(client().v1.refunds.create, params, key=key)


def events_list(*, created_after: int, starting_after: str | None = None):
    params: dict[str, Any] = {"created": {"gt": created_after}, "limit": 100}
    if starting_after:
        params["starting_after"] = starting_after
    return _call(client().v1.events.list, params)
