"""Stripe events for pause and gifts (billing/services/pause.py, billing/services/gifts.py), in the one registry.

A pause needs no handler of its own: ``customer.subscription.updated`` carries ``pause_collection`` and billing's
subscription handler mirrors it. A gift is created by its paid payment-mode Checkout Session: completed at once
for a card, or later (``async_payment_succeeded``) for a delayed method.
"""

from billing.handlers import Outcome, handles
from billing.services.gifts import gift_from_checkout


def gift_checkout_paid(event: dict) -> Outcome:
    gift, note = gift_from_checkout(session=event["data"]["object"])
    return Outcome(ignored=gift is None, note=note)


handles("checkout.session.completed", "checkout.session.async_payment_succeeded")(gift_checkout_paid)
