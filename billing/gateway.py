"""The only module that talks to Stripe.

Everything goes through one ``stripe.StripeClient`` with the API version pinned (webhook payloads
are checked against it), network retries on, a timeout, and an idempotency key on every create.
``STRIPE_CLIENT_FACTORY`` (a dotted path to a callable returning a ``stripe.StripeClient``) may name another
client, and tests hand one to ``use_client()``: both keep the real SDK, so requests and responses keep Stripe's
real shapes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
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


class CardDeclined(GatewayError):
    """Stripe could not charge the card (a decline, insufficient funds); the message is Stripe's, for the member."""


class InvalidWebhook(Exception):
    """The payload was not signed by Stripe with our secret, is too old, or is not an event."""


class MalformedWebhook(InvalidWebhook):
    """Signed with our secret, but not shaped like an event: refused and logged, never stored or processed."""


# The fields every Stripe event has and that storing and dispatching read (https://docs.stripe.com/api/events/object).
EVENT_ID_MAX_LENGTH = 255
EVENT_TYPE_MAX_LENGTH = 100
EVENT_API_VERSION_MAX_LENGTH = 40
# `created` is a Unix time; outside 2000-01-01 .. 9999-12-31 it is not a real Stripe event and would not convert.
EVENT_CREATED_RANGE = (946_684_800, 253_402_300_799)


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
    except stripe.CardError as error:
        raise CardDeclined(error.user_message or str(error)) from error
    except stripe.StripeError as error:
        raise GatewayError(error.user_message or str(error)) from error


def _call_id(method, object_id: str, params: dict[str, Any] | None = None, *, key: str | None = None):
    options = {"idempotency_key": key} if key else None
    try:
        if options:
            return method(object_id, params=params or {}, options=options)
        return method(object_id, params=params or {})
    except stripe.CardError as error:
        raise CardDeclined(error.user_message or str(error)) from error
    except stripe.StripeError as error:
        raise GatewayError(error.user_message or str(error)) from error


# --- Webhooks ---------------------------------------------------------------------------------


def event_from_webhook(*, payload: bytes, signature_header: str, secret: str) -> dict[str, Any]:
    """Verify the signature and return the event as Stripe sent it (a plain dict, parsed once).

    Stripe's scheme checked with HMAC alone (https://docs.stripe.com/webhooks#verify-manually): the header is
    ``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``; any of its v1 signatures may match, which is how
    Stripe signs during secret rotation. Building the SDK's StripeObject tree and turning it back into JSON
    cost more than the rest of the acknowledgement, for a dict equal to the parsed body.
    """
    if not secret:
        raise InvalidWebhook("No webhook secret is configured.")
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    signature_verify(payload=payload, signature_header=signature_header, secret=secret)
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidWebhook(f"the body is not UTF-8: {error}") from error
    try:
        body = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as error:
        raise MalformedWebhook(f"the body is not JSON: {error}") from error
    if "\\u0000" in text and _has_nul(body):
        # Valid JSON, but PostgreSQL's jsonb cannot hold a NUL character: storing it would fail with a 500.
        raise MalformedWebhook("the body contains a NUL character (\\u0000)")
    event_shape_check(body)
    return body


def _has_nul(value: Any) -> bool:
    """True if a NUL character is in any key or string of the parsed JSON (only asked when the text has one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in key or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _refuse_constant(name: str):
    """NaN and Infinity are not JSON (Python's parser accepts them; jsonb does not)."""
    raise ValueError(f"{name} is not a JSON value")


def signature_verify(*, payload: bytes, signature_header: str, secret: str, now: float | None = None) -> None:
    """Raise InvalidWebhook unless a v1 signature of the header signs ``<t>.<payload>`` with ``secret``.

    Timestamps older than SIGNATURE_TOLERANCE_SECONDS are refused (replay protection, as the SDK does);
    the comparison is constant-time.
    """
    timestamp = None
    signatures = []
    for item in signature_header.split(","):
        key, _, value = item.partition("=")  # no stripping: the SDK refuses "t=1, v1=..." too
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise InvalidWebhook("Unable to extract timestamp and signatures from header")
    if not signatures:
        raise InvalidWebhook("No signatures found with expected scheme v1")
    expected = hmac.new(secret.encode("utf-8"), timestamp.encode() + b"." + payload, hashlib.sha256).hexdigest()
    expected_bytes = expected.encode()
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header may carry any byte.
    if not any(hmac.compare_digest(expected_bytes, c.encode("utf-8", "replace")) for c in signatures):
        raise InvalidWebhook("No signatures found matching the expected signature for payload")
    if int(timestamp) < (time.time() if now is None else now) - SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidWebhook("Timestamp outside the tolerance zone")


def event_shape_check(body: Any) -> None:
    """Refuse a body that is not an event before anything reads it (raises MalformedWebhook).

    A correct signature proves who sent the bytes, not that they are an event: a test send, a misconfigured
    forwarder or a bug upstream can sign `{}` or an array. Storing one would fail on a missing key or an
    impossible timestamp, so the endpoint would answer 500 and Stripe would retry it for days.
    """
    if not isinstance(body, dict):
        raise MalformedWebhook(f"the body is a JSON {type(body).__name__}, not an event object")
    for key, limit in (("id", EVENT_ID_MAX_LENGTH), ("type", EVENT_TYPE_MAX_LENGTH)):
        value = body.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise MalformedWebhook(f"`{key}` must be a non-empty string of at most {limit} characters")
    created = body.get("created")
    low, high = EVENT_CREATED_RANGE
    if isinstance(created, bool) or not isinstance(created, int) or not low <= created <= high:
        raise MalformedWebhook("`created` must be a Unix time in whole seconds")
    api_version = body.get("api_version")
    if api_version is not None and (
        not isinstance(api_version, str) or len(api_version) > EVENT_API_VERSION_MAX_LENGTH
    ):
        raise MalformedWebhook("`api_version` must be a short string or null")
    data = body.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedWebhook("`data.object` must be an object")


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
    product_id: str = "",
) -> stripe.checkout.Session:
    """A one-time payment (mode=payment) for an amount priced here, not in the catalog (price_data).

    ``metadata`` is copied to the PaymentIntent too, so the charge can be tied back to what was bought.
    A promotion code is pre-applied (Stripe does not allow it together with allow_promotion_codes). With
    ``product_id`` the line is that product (a coupon restricted to it then applies), else a product made here.
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
                    **({"product": product_id} if product_id else {"product_data": {"name": name}}),
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


def customer_retrieve(*, customer_id: str) -> stripe.Customer:
    return _call_id(client().v1.customers.retrieve, customer_id)


def customer_delete(*, customer_id: str) -> stripe.Customer:
    """Delete the customer at Stripe (account erasure, privacy/): Stripe ends any subscription still running."""
    return _call_id(client().v1.customers.delete, customer_id)


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


def events_list_of_types(*, created_after: int, types: list[str], starting_after: str | None = None):
    """Events of these types only (Stripe takes at most 20 in ``types``); each comes at its creation's version."""
    params: dict[str, Any] = {"created": {"gt": created_after}, "limit": 100, "types": types}
    if starting_after:
        params["starting_after"] = starting_after
    return _call(client().v1.events.list, params)


# What an event's ``data.object`` is re-read through when the event was rendered at another API version.
_RETRIEVERS = {
    "charge": lambda c: c.v1.charges,
    "checkout.session": lambda c: c.v1.checkout.sessions,
    "customer": lambda c: c.v1.customers,
    "invoice": lambda c: c.v1.invoices,
    "invoice_payment": lambda c: c.v1.invoice_payments,
    "payment_intent": lambda c: c.v1.payment_intents,
    "subscription": lambda c: c.v1.subscriptions,
}


def object_retrieve(*, object_type: str, object_id: str):
    """Read one object as it is now, at the pinned API version (a deleted customer comes back as ``deleted``)."""
    service = _RETRIEVERS.get(object_type)
    if service is None:
        raise GatewayError(f"Objects of type {object_type!r} cannot be re-read.")
    return _call_id(service(client()).retrieve, object_id)


def promotion_code_create_restricted(
    *,
    coupon_id: str,
    metadata: dict[str, str],
    key: str,
    code: str = "",
    customer_id: str = "",
    max_redemptions: int | None = None,
    expires_at: int | None = None,
) -> stripe.PromotionCode:
    """A promotion code limited as Stripe allows: to one customer, a number of uses, and an end."""
    params: dict[str, Any] = {"promotion": {"type": "coupon", "coupon": coupon_id}, "metadata": metadata}
    if code:
        params["code"] = code
    if customer_id:
        params["customer"] = customer_id
    if max_redemptions:
        params["max_redemptions"] = max_redemptions
    if expires_at:
        params["expires_at"] = expires_at
    return _call(client().v1.promotion_codes.create, params, key=key)


def promotion_code_deactivate(*, promotion_code_id: str) -> stripe.PromotionCode:
    return _call_id(client().v1.promotion_codes.update, promotion_code_id, {"active": False})


def coupon_create_for_product(
    *,
    name: str,
    product_id: str,
    metadata: dict[str, str],
    key: str,
    percent_off: int | None = None,
    amount_off_minor: int | None = None,
    currency: str = "",
) -> stripe.Coupon:
    """A one-time discount that applies to one product only (``applies_to.products``)."""
    params: dict[str, Any] = {
        "name": name[:40],
        "duration": "once",
        "metadata": metadata,
        "applies_to": {"products": [product_id]},
    }
    if percent_off:
        params["percent_off"] = percent_off
    else:
        params["amount_off"] = amount_off_minor
        params["currency"] = currency.lower()
    return _call(client().v1.coupons.create, params, key=key)


def invoice_payments_for_intent(*, payment_intent_id: str):
    """The InvoicePayments a payment intent made (the only link from a payment to its invoice since 2025)."""
    params = {"payment": {"type": "payment_intent", "payment_intent": payment_intent_id}, "limit": 10}
    return _call(client().v1.invoice_payments.list, params)


# --- Pause and gifts (billing/services/pause.py, billing/services/gifts.py) ----------------------------


def subscription_pause_collection(*, subscription_id: str, resumes_at: int | None) -> stripe.Subscription:
    """Pause collection until ``resumes_at`` (Unix time), or resume it now with None.

    ``void``: Stripe voids the invoices of the paused periods, so nothing is owed and the subscription stays
    active (never past due) and resumes by itself at ``resumes_at``.
    """
    pause: Any = {"behavior": "void", "resumes_at": resumes_at} if resumes_at is not None else ""
    return _call_id(client().v1.subscriptions.update, subscription_id, {"pause_collection": pause})


def gift_checkout_session_create(
    *,
    customer_email: str,
    name: str,
    amount_minor: int,
    currency: str,
    metadata: dict[str, str],
    success_url: str,
    cancel_url: str,
    key: str,
) -> stripe.checkout.Session:
    """A one-time payment (mode=payment) by someone who may have no account: Checkout makes the customer if needed.

    ``metadata`` (on the session and its PaymentIntent) carries everything the gift needs: the webhook creates it.
    """
    params: dict[str, Any] = {
        "mode": "payment",
        "customer_email": customer_email,
        "line_items": [
            {
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": amount_minor,
                    "product_data": {"name": name[:250]},
                },
                "quantity": 1,
            }
        ],
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    return _call(client().v1.checkout.sessions.create, params, key=key)
