"""Demo mode (no Stripe key, DEBUG on): the emulator plays Stripe, and its events reach the site
through the very same webhook endpoint, signed with the local secret, exactly as Stripe's would."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import gateway
from billing.exceptions import BillingError
from devtools import stripe_emulator
from devtools.stripe_emulator import signed_delivery


def demo_mode() -> bool:
    """No Stripe key and DEBUG on: the only state in which the demo checkout answers (never in production)."""
    return settings.DEBUG and not settings.STRIPE_SECRET_KEY


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
    emulator = stripe_emulator.current()
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
    demo_events_deliver(stripe_emulator.current().complete_checkout(session_id))
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
