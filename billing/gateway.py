"""The only module that talks to Stripe.

Everything goes through one ``stripe.StripeClient`` with the API version pinned (webhook payloads
are checked against it), network retries on, a timeout, and an idempotency key on every create.
``STRIPE_CLIENT_FACTORY`` (a dotted path to a callable returning a ``stripe.StripeClient``) may name another
client, and tests hand one to ``use_client()``: both keep the real SDK, so requests and responses keep Stripe's
real shapes.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings
from django.utils.module_loading import import_string

from core.exceptions import DomainError

API_VERSION = "2026-10-28.endive"
NETWORK_RETRIES = 2
TIMEOUT_SECONDS = 20
# Stripe's default tolerance: a signed payload older than this is refused (replay protection).
SIGNATURE_TOLERANCE_SECONDS = 300


class GatewayError(DomainError):
    """Stripe refused a request or could not be reached; the message is safe to show to staff."""


class InvalidWebhook(Exception):
    """The payload was not signed by Stripe with our secret, is too old, or is not an event."""


_client_in_use: stripe.StripeClient | None = None  # set by use_client(): a test or dev client


@lru_cache(maxsize=1)
def _client_for(secret_key: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key,
        stripe_version=API_VERSION,
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.new_default_http_client(timeout=TIMEOUT_SECONDS),
    )


@lru_cache(maxsize=1)
def _client_from_factory(dotted_path: str) -> stripe.StripeClient:
    return import_string(dotted_path)()


def use_client(stripe_client: stripe.StripeClient | None) -> None:
    """Send every Stripe call to this client (a test or dev client); None goes back to the configured one."""
    global _client_in_use
    _client_in_use = stripe_client


def webhook_secret() -> str:
    return settings.STRIPE_WEBHOOK_SECRET


def client() -> stripe.StripeClient:
    """The client given to use_client(), else the one STRIPE_CLIENT_FACTORY builds (once), else real Stripe."""
    if _client_in_use is not None:
        return _client_in_use
    if settings.STRIPE_CLIENT_FACTORY:
        return _client_from_factory(settings.STRIPE_CLIENT_FACTORY)
    if settings.STRIPE_SECRET_KEY:
        return _client_for(settings.STRIPE_SECRET_KEY)
    raise GatewayError("Stripe is not configured: set STRIPE_SECRET_KEY (or STRIPE_CLIENT_FACTORY).")


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
