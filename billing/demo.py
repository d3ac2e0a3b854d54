"""Demo mode (no Stripe key, DEBUG on): the emulator plays Stripe, and its events reach the site
through the very same webhook endpoint, signed with the local secret, exactly as Stripe's would."""

import json
import os
from pathlib import Path

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import gateway
from billing.emulator import StripeEmulator, signed_delivery
from billing.exceptions import BillingError

# What the emulator knows, kept across restarts of the demo server (the database remembers the
# mirror; without this the emulated "Stripe" would forget the subscriptions behind it).
PERSISTED_STATE = ("objects", "events", "_idempotent", "_sessions", "_billing", "_payment_methods", "_last_time")
SIMULATIONS = ("complete_checkout", "advance_to_renewal", "end_trial", "pay_invoice", "expire_checkout")


class PersistentStripeEmulator(StripeEmulator):
    """The demo's emulator: its state lives in a JSON file, written after every change."""

    def __init__(self, *, state_path: Path, **kwargs):
        super().__init__(**kwargs)
        self.state_path = state_path
        if state_path.exists():
            state = json.loads(state_path.read_text())
            for name in PERSISTED_STATE:
                if name in state:
                    setattr(self, name, state[name])
        for name in SIMULATIONS:
            setattr(self, name, self._saving(getattr(self, name)))

    def _saving(self, method):
        def run(*args, **kwargs):
            with self._lock:
                result = method(*args, **kwargs)
                self.save()
                return result

        return run

    def _handle(self, method, url, headers, post_data):
        response = super()._handle(method, url, headers, post_data)
        if method != "GET":
            self.save()
        return response

    def save(self) -> None:
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({name: getattr(self, name) for name in PERSISTED_STATE}))
        os.replace(temporary, self.state_path)


def demo_events_deliver(events: list[dict]) -> None:
    """POST each event to the webhook endpoint, in process (no network, no second server needed)."""
    from billing.webhooks import stripe_webhook

    for event in events:
        body, signature = signed_delivery(event, gateway.webhook_secret())
        request = HttpRequest()
        request.method = "POST"
        request.path = reverse("billing:stripe-webhook")
        request.META = {
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_STRIPE_SIGNATURE": signature,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
        }
        request._body = body
        response = stripe_webhook(request)
        if response.status_code != 200:
            raise BillingError(
                _("The webhook endpoint refused demo event %(event)s (%(status)s).")
                % {"event": event["id"], "status": response.status_code}
            )


def demo_checkout_session(session_id: str) -> dict:
    emulator = gateway.emulator()
    if emulator is None:
        raise BillingError(_("Demo checkout needs demo mode."))
    try:
        return emulator.get(session_id)
    except Exception as error:
        raise BillingError(_("Unknown checkout session.")) from error


def demo_checkout_complete(session_id: str) -> str:
    """Pay in the demo: Stripe-shaped events go to the endpoint; returns where Stripe would redirect."""
    session = demo_checkout_session(session_id)
    if session["status"] != "open":
        raise BillingError(_("This checkout session is already complete."))
    demo_events_deliver(gateway.emulator().complete_checkout(session_id))
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
