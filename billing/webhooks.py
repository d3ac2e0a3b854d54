"""The one Stripe webhook endpoint: verify, store, acknowledge, process later.

Non-atomic on purpose: the stored event must survive whatever happens after it. Processing
runs in a Celery task enqueued only once the event row is committed.
"""

import json

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import gateway
from billing.services.events import webhook_event_store
from core.ratelimit import rate_limit


@csrf_exempt
@require_POST
@rate_limit(action="stripe-webhook", key="ip", rate="60/m", failures_only=True)  # signed events never count
def stripe_webhook(request):
    try:
        event = gateway.event_from_webhook(
            payload=request.body,
            signature_header=request.headers.get("Stripe-Signature", ""),
            secret=gateway.webhook_secret(),
        )
    except gateway.InvalidWebhook:
        return HttpResponse(status=400)
    stored, created = webhook_event_store(event=event, raw=json.loads(request.body))
    return JsonResponse({"received": True, "duplicate": not created, "status": stored.status})
