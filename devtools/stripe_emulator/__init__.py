"""The in-process Stripe (``emulator.py``) and how it takes Stripe's place behind ``billing.gateway``.

Tests and benches ``install()`` a fresh emulator. Demo mode (config/settings/local.py) names ``demo_client``
in ``STRIPE_CLIENT_FACTORY``: one persistent emulator for the dev server, refused unless DEBUG is on.
"""

from __future__ import annotations

import threading

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from billing import gateway
from devtools.stripe_emulator.emulator import (
    CHECKOUT_URL_BASE,
    EmulatorError,
    StripeEmulator,
    add_months,
    decode_form,
    signed_delivery,
)
from devtools.stripe_emulator.persistent import PersistentStripeEmulator

__all__ = [
    "CHECKOUT_URL_BASE",
    "DEMO_CLIENT_FACTORY",
    "EmulatorError",
    "PersistentStripeEmulator",
    "StripeEmulator",
    "add_months",
    "current",
    "decode_form",
    "demo_client",
    "emulator_client",
    "install",
    "signed_delivery",
]

DEMO_CLIENT_FACTORY = "devtools.stripe_emulator.demo_client"
DEMO_STATE_FILE = ".demo-stripe-state.json"  # in BASE_DIR; .gitignore and `make clean` know it
EMULATOR_SECRET_KEY = "sk_test_returnpath_demo"  # never leaves this process

_installed: StripeEmulator | None = None
_demo: tuple[PersistentStripeEmulator, stripe.StripeClient] | None = None
_demo_lock = threading.Lock()


def emulator_client(emulator: StripeEmulator) -> stripe.StripeClient:
    """A real ``StripeClient`` talking to ``emulator``, so the SDK's own request encoding and parsing run."""
    return stripe.StripeClient(
        EMULATOR_SECRET_KEY, stripe_version=gateway.API_VERSION, max_network_retries=0, http_client=emulator
    )


def _deliver_in_demo_mode(events: list[dict]) -> None:
    """Events an API call made the emulator emit (a staff refund's ``charge.refunded``) reach the webhook
    endpoint once the request's transaction commits, as Stripe's would, but only in demo mode."""
    from django.db import transaction

    from devtools.demo.checkout import demo_events_deliver, demo_mode

    if demo_mode():
        transaction.on_commit(lambda: demo_events_deliver(events))


def install(emulator: StripeEmulator | None) -> None:
    """Send every gateway call to ``emulator`` (tests, benches); None goes back to the configured client."""
    global _installed
    _installed = emulator
    if emulator is not None:
        emulator.api_events_listener = _deliver_in_demo_mode
    gateway.use_client(emulator_client(emulator) if emulator is not None else None)


def demo_client() -> stripe.StripeClient:
    """``STRIPE_CLIENT_FACTORY`` in demo mode: the dev server's one emulator, its state kept in a file."""
    global _demo
    if not settings.DEBUG:
        raise ImproperlyConfigured("The Stripe emulator stands in for Stripe only with DEBUG on (demo mode).")
    with _demo_lock:
        if _demo is None:
            path = getattr(settings, "DEMO_STRIPE_STATE_FILE", None) or settings.BASE_DIR / DEMO_STATE_FILE
            emulator = PersistentStripeEmulator(state_path=path)
            emulator.api_events_listener = _deliver_in_demo_mode
            _demo = emulator, emulator_client(emulator)
        return _demo[1]


def current() -> StripeEmulator | None:
    """The emulator behind the gateway: the installed one, else the demo's (started on first need), else None."""
    if _installed is not None:
        return _installed
    if settings.STRIPE_CLIENT_FACTORY == DEMO_CLIENT_FACTORY:
        demo_client()
        return _demo[0]
    return None
