import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from billing import gateway
from billing.models import WebhookEvent
from clubs.models import MembershipStatus
from devtools import stripe_emulator as emulators
from devtools.stripe_emulator import DEMO_CLIENT_FACTORY, PersistentStripeEmulator
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_checkout_activates_the_membership_through_the_webhook_endpoint(
    client, club, demo_settings, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client.force_login(user)
    checkout_url = client.post(reverse("billing:club-join", args=[club.slug, club.plans.get(name="Yearly").pk]))[
        "Location"
    ]
    page = client.get(checkout_url)
    assert page.status_code == 200 and "Demo checkout" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(checkout_url)
    assert response["Location"].startswith("http://testserver/clubs/healthy-and-happy/billing/checkout/success/")
    membership = user.memberships.get()
    assert membership.status == MembershipStatus.ACTIVE
    stored = set(
        membership.subscriptions.get().membership.user.stripe_customer.invoices.values_list("status", flat=True)
    )
    assert stored == {"paid"}
    # The events went through the endpoint: stored with their ids and verified signatures.
    assert set(WebhookEvent.objects.values_list("type", flat=True)) >= {
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
    }


def test_demo_mode_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    emulators.install(None)
    assert emulators.current() is None
    with pytest.raises(gateway.GatewayError, match="not configured"):
        gateway.client()
    assert gateway.webhook_secret() == ""
    # Even when named as the client factory, the emulator refuses to stand in for Stripe without DEBUG.
    settings.STRIPE_CLIENT_FACTORY = DEMO_CLIENT_FACTORY
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        gateway.client()


def test_demo_emulator_remembers_stripe_across_restarts(tmp_path):
    state = tmp_path / "stripe.json"
    first = PersistentStripeEmulator(state_path=state)
    customer = first.client().v1.customers.create(params={"email": "a@example.com"})
    restarted = PersistentStripeEmulator(state_path=state)
    assert restarted.get(customer.id)["email"] == "a@example.com"
