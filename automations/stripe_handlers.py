"""Stripe events automations reacts to, registered in billing's handler registry (autodiscovered by billing)."""

from automations.services.referrals import referral_reward_for_invoice
from billing.handlers import Outcome, handles
from billing.models import Invoice


@handles("invoice.paid")
def referral_reward(event: dict) -> Outcome:
    """A referred friend's first successful payment credits the referrer (once).

    Runs after billing's own ``invoice.paid`` handler in the same transaction, so an invoice of this site
    is already mirrored; invoices of other products are left alone.
    """
    stripe_invoice = event["data"]["object"]
    if not Invoice.objects.filter(stripe_invoice_id=stripe_invoice.get("id", "")).exists():
        return Outcome(ignored=True)
    note = referral_reward_for_invoice(stripe_invoice=stripe_invoice)
    return Outcome(ignored=not note, note=note)
