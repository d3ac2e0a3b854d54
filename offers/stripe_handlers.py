"""Stripe events offers reacts to, registered in billing's handler registry (autodiscovered by billing)."""

from billing.handlers import Outcome, handles
from offers.services.redemptions import redemption_async_payment_apply, redemption_payment_confirm


@handles("checkout.session.completed")
def offer_checkout_completed(event: dict) -> Outcome:
    """A payment-mode session of a member offer records the sale (once, however often it is delivered)."""
    session = event["data"]["object"]
    if session.get("mode") != "payment" or not (session.get("metadata") or {}).get("offer_redemption_id"):
        return Outcome(ignored=True)
    redemption, note = redemption_payment_confirm(stripe_session=session)
    return Outcome(ignored=redemption is None, note=note)


def _offer_session(event: dict) -> dict | None:
    session = event["data"]["object"]
    if session.get("mode") != "payment" or not (session.get("metadata") or {}).get("offer_redemption_id"):
        return None
    return session


@handles("checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed")
def offer_async_payment(event: dict) -> Outcome:
    """A delayed payment (SEPA debit) of an offer settled: the sale completes, or fails visibly."""
    session = _offer_session(event)
    if session is None:
        return Outcome(ignored=True, note="Checkout session of another product: ignored.")
    succeeded = event["type"] == "checkout.session.async_payment_succeeded"
    redemption, note = redemption_async_payment_apply(stripe_session=session, succeeded=succeeded)
    return Outcome(ignored=redemption is None, note=note)
