import pytest
from django.urls import reverse

from tests.billing.stripe_events import WEBHOOK_SECRET, signed


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def post_event(client):
    """POST an event to the endpoint, signed like Stripe; returns the response."""

    def post(event: dict, *secrets: str, timestamp: int | None = None, header: str | None = None):
        body, signature = signed(event, *secrets, timestamp=timestamp)
        return client.post(
            reverse("billing:stripe-webhook"),
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature if header is None else header,
        )

    return post
