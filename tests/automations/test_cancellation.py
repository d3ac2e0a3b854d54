"""Cancelling asks why (reasons stored for analytics) and shows the club's save offer at most once per period."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from automations.models import CancellationFeedback, ClubAutomationSettings, SaveOffer, SaveOfferStatus
from automations.selectors import cancellation_reason_counts
from billing.models import Invoice
from tests.billing.flows import deliver, join_and_pay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paying(client, club, stripe_emulator, django_capture_on_commit_callbacks):
    return join_and_pay(
        client,
        stripe_emulator,
        django_capture_on_commit_callbacks,
        user=UserFactory(),
        plan=club.plans.get(name="Monthly"),
    )


@pytest.fixture
def save_offer_on(club):
    return ClubAutomationSettings.objects.create(club=club, save_offer_enabled=True, save_offer_percent=50)


def cancel_url(club):
    return reverse("automations:cancel-membership", args=[club.slug])


def flash(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_billing_pages_cancel_button_asks_why_first(client, club, paying):
    response = client.post(reverse("billing:subscription-cancel", args=[club.slug]), {"ask_why": "1"})
    assert response["Location"] == cancel_url(club)
    assert paying.subscriptions.get().cancel_at_period_end is False  # nothing cancelled yet
    billing_page = client.get(reverse("billing:club-billing", args=[club.slug])).content.decode()
    assert 'name="ask_why"' in billing_page


def test_cancelling_stores_the_reasons_and_stops_renewal(client, club, paying):
    response = client.post(
        cancel_url(club), {"reasons": ["too_expensive", "no_time"], "comment": "Busy season at work."}
    )
    assert response["Location"] == reverse("billing:club-billing", args=[club.slug])
    assert paying.subscriptions.get().cancel_at_period_end is True
    feedback = CancellationFeedback.objects.get()
    assert (feedback.club, feedback.user, feedback.reasons) == (club, paying.user, ["no_time", "too_expensive"])
    assert feedback.comment == "Busy season at work."
    counts = {item.reason: item.count for item in cancellation_reason_counts(clubs=[club])}
    assert counts["too_expensive"] == 1 and counts["other"] == 0


def test_cancelling_without_a_reason_changes_nothing(client, club, paying):
    response = client.post(cancel_url(club), {"comment": "bye"})
    assert response.status_code == 200
    assert "Please choose at least one reason." in response.content.decode()
    assert paying.subscriptions.get().cancel_at_period_end is False
    assert not CancellationFeedback.objects.exists()


def test_save_offer_is_shown_once_per_billing_period(
    client, club, paying, save_offer_on, stripe_emulator, django_capture_on_commit_callbacks
):
    first = client.get(cancel_url(club)).content.decode()
    assert "Stay, and your next period is 50% off" in first
    assert "Stay, and your next period is 50% off" not in client.get(cancel_url(club)).content.decode()

    client.post(cancel_url(club), {"reasons": ["not_using"]})
    assert SaveOffer.objects.get().status == SaveOfferStatus.DECLINED
    client.post(reverse("billing:subscription-resume", args=[club.slug]))
    assert "50% off" not in client.get(cancel_url(club)).content.decode()  # same period: not again

    subscription = paying.subscriptions.get()
    deliver(
        stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=True),
        django_capture_on_commit_callbacks,
    )
    assert "Stay, and your next period is 50% off" in client.get(cancel_url(club)).content.decode()
    assert SaveOffer.objects.count() == 2


def test_accepting_the_save_offer_discounts_the_next_invoice_once_and_keeps_the_membership(
    client, club, paying, save_offer_on, stripe_emulator, django_capture_on_commit_callbacks
):
    client.get(cancel_url(club))
    response = client.post(reverse("automations:save-offer-accept", args=[club.slug]))
    assert flash(response) == ["Thank you for staying: your next period is 50% off."]
    offer = SaveOffer.objects.get()
    assert offer.status == SaveOfferStatus.ACCEPTED
    assert stripe_emulator.objects[offer.stripe_coupon_id]["duration"] == "once"

    subscription = paying.subscriptions.get()
    assert subscription.cancel_at_period_end is False
    for _ in range(2):
        deliver(
            stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=True),
            django_capture_on_commit_callbacks,
        )
    renewals = Invoice.objects.filter(subscription=subscription, billing_reason="subscription_cycle").order_by(
        "stripe_created", "pk"
    )
    assert [invoice.amount_paid_minor for invoice in renewals] == [250, 500]

    again = client.post(reverse("automations:save-offer-accept", args=[club.slug]))
    assert flash(again)[-1] == "This offer is no longer available."


def test_no_save_offer_when_the_club_has_none(client, club, paying):
    assert "50% off" not in client.get(cancel_url(club)).content.decode()
    assert not SaveOffer.objects.exists()
