"""The one Stripe webhook endpoint: verify, store, acknowledge, process later.

Non-atomic on purpose: the stored event must survive whatever happens after it. The lean path per
delivery: an HMAC check of the signature, one JSON parse, one INSERT ... ON CONFLICT DO NOTHING in
autocommit, then the enqueue of the processing task (billing/services/events.py). A broker that is
down delays processing (the pickup job enqueues the stored row later), never the acknowledgement.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import gateway
from billing.services.events import webhook_event_store
from core.ratelimit import limit_exceeded, too_many_requests

logger = logging.getLogger(__name__)


# Refused deliveries per IP before the endpoint answers 429 (failed signatures only: signed events never count).
REFUSED_RATE = "60/m"


@csrf_exempt
@require_POST
@transaction.non_atomic_requests
def stripe_webhook(request):
    try:
        event = gateway.event_from_webhook(
            payload=request.body,
            signature_header=request.headers.get("Stripe-Signature", ""),
            secret=gateway.webhook_secret(),
        )
    except gateway.MalformedWebhook as error:
        # Signed with our secret, so someone with the secret sent it: worth a warning, never a 500 or a row.
        logger.warning("Refused a signed Stripe webhook that is not an event: %s", error)
        return HttpResponse(status=400)
    except gateway.InvalidWebhook:
        # The limit is looked up only here, after the (cheap) HMAC check failed: a genuine delivery never
        # waits on the cache, and a flood of unsigned posts is refused with 429 once past the rate.
        wait = limit_exceeded(request, action="stripe-webhook", key="ip", rate=REFUSED_RATE)
        return too_many_requests(request, retry_after=wait) if wait else HttpResponse(status=400)
    stored = webhook_event_store(event=event)
    return JsonResponse({"received": True, "duplicate": not stored.created, "status": stored.status})


stripe_webhook.rate_limited = True  # its own limit above; exempt from the default POST ceiling


class StripeWebhookShortcutMiddleware:
    """After the request id and the security headers: a POST to the webhook goes straight to its view.

    Stripe's deliveries need none of what follows in MIDDLEWARE (sessions, locale, CSRF, auth, messages, club
    resolution, the staff MFA gate, the POST rate limit the view is exempt from): the signature is the only
    credential and the answer is a few bytes of JSON. Skipping them is a third of the acknowledgement's time.
    The request id, its log line and the security headers every answer carries stay. Any other method goes the
    usual way (GET answers 405).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.path = ""

    def __call__(self, request):
        if request.method == "POST":
            self.path = self.path or reverse("billing:stripe-webhook")
            if request.path == self.path:
                response = stripe_webhook(request)
                # The one header the skipped middleware would add (XFrameOptionsMiddleware); the rest are set above.
                response.headers.setdefault("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY"))
                return response
        return self.get_response(request)
