"""Stripe events offers reacts to, registered in billing's handler registry (autodiscovered by billing)."""

from billing.handlers import Outcome, handles
from offers.services.redemptions import redemption_payment_confirm


@handles("checkout.session.completed")
def offer_checkout_completed(event: dict) -> Outcome:
    """A payment-mode session of a member offer records the sale (once, however often it is delivered)."""
    session = event["data"]["object"]
    if session.get("mode") != "payment" or not (session.get("metadata") or {}).get("offer_redemption_id"):
        return Outcome(ignored=True)
    redemption, note = redemption_payment_confirm(stripe_session=session)
    return Outcome(ignored=redemption is None, note=note)
