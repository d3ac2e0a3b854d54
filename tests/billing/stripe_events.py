"""Stripe-shaped events signed exactly as Stripe signs them (t=..., v1=HMAC-SHA256)."""

import hashlib
import hmac
import itertools
import json
import time

from billing.gateway import API_VERSION

WEBHOOK_SECRET = "whsec_test_0123456789abcdef"
_ids = itertools.count(1)


def stripe_event(event_type: str, obj: dict, *, event_id: str | None = None, created: int | None = None, **extra):
    """An Event object as Stripe documents it (https://docs.stripe.com/api/events/object)."""
    return {
        "id": event_id or f"evt_test_{next(_ids):024d}",
        "object": "event",
        "api_version": API_VERSION,
        "created": created or int(time.time()),
        "data": {"object": obj, "previous_attributes": extra.pop("previous_attributes", {})},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        **extra,
    }


def signature_header(body: bytes, *secrets: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    signatures = [hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() for secret in secrets]
    return ",".join([f"t={timestamp}", *(f"v1={signature}" for signature in signatures)])


def signed(event: dict, *secrets: str, timestamp: int | None = None) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    return body, signature_header(body, *(secrets or (WEBHOOK_SECRET,)), timestamp=timestamp)
