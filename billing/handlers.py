"""Stripe event type -> what it changes here. Every handler is safe to run twice and out of order.

Objects that are not this site's (the Stripe account may be shared) are ignored and change nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from billing.models import StripeCustomer
from billing.services.events import from_timestamp
from billing.services.invoices import invoice_apply, invoice_refund_apply
from billing.services.subscriptions import subscription_apply
from clubs.models import Membership


@dataclass(frozen=True)
class Outcome:
    ignored: bool = False
    note: str = ""


HANDLERS: dict[str, Callable[[dict], Outcome]] = {}


def handles(*event_types: str):
    def register(function: Callable[[dict], Outcome]):
        for event_type in event_types:
            HANDLERS[event_type] = function
        return function

    return register


def dispatch(event: dict) -> Outcome:
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return Outcome(ignored=True, note="Event type not handled by this site.")
    return handler(event)


def _result(found, note: str) -> Outcome:
    return Outcome(ignored=found is None, note=note)


@handles("checkout.session.completed")
def checkout_completed(event: dict) -> Outcome:
    """Access follows the subscription events; this only confirms the session was ours.

    A payment-mode session of a member offer records the sale (once, however often it is delivered).
    """
    session = event["data"]["object"]
    if session.get("mode") == "payment" and (session.get("metadata") or {}).get("offer_redemption_id"):
        from offers.services.redemptions import redemption_payment_confirm

        redemption, note = redemption_payment_confirm(stripe_session=session)
        return _result(redemption, note)
    reference = session.get("client_reference_id") or ""
    membership = Membership.objects.filter(pk=int(reference)).first() if reference.isdigit() else None
    if membership is None or session.get("mode") != "subscription":
        return Outcome(ignored=True, note="Checkout session of another product: ignored.")
    return Outcome(
        note=f"Checkout completed for membership {membership.pk}; subscription {session.get('subscription')}."
    )


@handles("customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted")
def subscription_changed(event: dict) -> Outcome:
    subscription, note = subscription_apply(
        stripe_subscription=event["data"]["object"], event_created=from_timestamp(event["created"])
    )
    return _result(subscription, note)


@handles("invoice.paid")
def invoice_paid(event: dict) -> Outcome:
    """Mirror the invoice; a referred friend's first successful payment credits the referrer (once)."""
    from automations.services.referrals import referral_reward_for_invoice

    invoice, note = invoice_apply(stripe_invoice=event["data"]["object"])
    if invoice is not None:
        note = f"{note} {referral_reward_for_invoice(stripe_invoice=event['data']['object'])}".strip()
    return _result(invoice, note)


@handles("invoice.payment_failed")
def invoice_payment_failed(event: dict) -> Outcome:
    """Mirror the invoice and tell the member once how to fix their card (the grace period runs)."""
    from billing.tasks import send_payment_failed_email

    invoice, note = invoice_apply(stripe_invoice=event["data"]["object"])
    if invoice is not None and invoice.status == "open" and invoice.payment_failed_notified_at is None:
        transaction.on_commit(lambda: send_payment_failed_email.delay(invoice.pk))
    return _result(invoice, note)


@handles("charge.refunded")
def charge_refunded(event: dict) -> Outcome:
    invoice, note = invoice_refund_apply(stripe_charge=event["data"]["object"])
    return _result(invoice, note)


@handles("customer.updated")
def customer_updated(event: dict) -> Outcome:
    stripe_customer = event["data"]["object"]
    updated = StripeCustomer.objects.filter(stripe_customer_id=stripe_customer["id"]).update(
        email=stripe_customer.get("email") or ""
    )
    return Outcome(ignored=not updated, note="Customer email updated." if updated else "Another customer: ignored.")
