"""Stripe event type -> what it changes here: the registry every app adds its handlers to.

billing's own handlers are below. An app above billing that reacts to a Stripe event (offers when an
offer's payment lands, automations when a referred friend pays) registers its handlers with ``@handles``
in its own ``stripe_handlers.py``, imported by autodiscovery in ``BillingConfig.ready()``; billing never
imports them. All handlers of an event run in order (billing's first), in the one transaction of
``webhook_event_process``, so an event is applied exactly once or not at all.
Every handler is safe to run twice and out of order. Objects that are not this site's (the Stripe account
may be shared) are ignored and change nothing.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse

from billing.services.customers import customer_deleted_apply
from billing.services.events import from_timestamp
from billing.services.invoices import invoice_apply, invoice_payment_apply, invoice_refund_apply
from billing.services.subscriptions import customer_apply, subscription_apply
from clubs.models import Membership
from notifications.services import notification_send


@dataclass(frozen=True)
class Outcome:
    ignored: bool = False
    note: str = ""


Handler = Callable[[dict], Outcome]
HANDLERS: defaultdict[str, list[Handler]] = defaultdict(list)


def handles(*event_types: str):
    """Register the decorated function for these event types (after those registered before it)."""

    def register(function: Handler) -> Handler:
        for event_type in event_types:
            if function not in HANDLERS[event_type]:
                HANDLERS[event_type].append(function)
        return function

    return register


def handled_event_types() -> list[str]:
    """Every event type some app handles (the reconciler lists only these from Stripe)."""
    return sorted(event_type for event_type, handlers in HANDLERS.items() if handlers)


def dispatch(event: dict) -> Outcome:
    """Run every handler of the event's type; ignored only when every one of them ignored it."""
    handlers = HANDLERS.get(event["type"])
    if not handlers:
        return Outcome(ignored=True, note="Event type not handled by this site.")
    outcomes = [handler(event) for handler in handlers]
    applied = [outcome for outcome in outcomes if not outcome.ignored]
    shown = applied or outcomes
    return Outcome(ignored=not applied, note=" ".join(outcome.note for outcome in shown if outcome.note))


def _result(found, note: str) -> Outcome:
    return Outcome(ignored=found is None, note=note)


@handles("checkout.session.completed")
def checkout_completed(event: dict) -> Outcome:
    """Access follows the subscription events; this only confirms the session was ours.

    Payment-mode sessions (a member offer) are for the app that sold them (offers/stripe_handlers.py).
    """
    session = event["data"]["object"]
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
    """Mirror the invoice (automations credits a referrer afterwards, in its own handler)."""
    invoice, note = invoice_apply(stripe_invoice=event["data"]["object"])
    return _result(invoice, note)


@handles("invoice.payment_failed")
def invoice_payment_failed(event: dict) -> Outcome:
    """Mirror the invoice and tell the member once how to fix their card (the grace period runs)."""
    from billing.tasks import send_payment_failed_email

    invoice, note = invoice_apply(stripe_invoice=event["data"]["object"])
    if invoice is not None and invoice.status == "open" and invoice.payment_failed_notified_at is None:
        transaction.on_commit(lambda: send_payment_failed_email.delay(invoice.pk))
        if invoice.subscription is not None:  # and the member's bell, once per invoice
            notification_send(
                kind="payment_failed",
                user_ids=[invoice.customer.user_id],
                club=invoice.subscription.membership.club,
                params={"invoice_id": invoice.pk},
                url=reverse("billing:club-billing", args=[invoice.subscription.membership.club.slug]),
            )
    return _result(invoice, note)


@handles("invoice_payment.paid")
def invoice_payment_paid(event: dict) -> Outcome:
    """Record which payment paid an invoice, so a refund made anywhere finds its invoice."""
    invoice, note = invoice_payment_apply(stripe_invoice_payment=event["data"]["object"])
    return _result(invoice, note)


@handles("charge.refunded")
def charge_refunded(event: dict) -> Outcome:
    invoice, note = invoice_refund_apply(stripe_charge=event["data"]["object"])
    return _result(invoice, note)


@handles("customer.updated")
def customer_updated(event: dict) -> Outcome:
    """Mirror the email and the balance (negative is credit, e.g. after a downgrade) for the billing page."""
    customer = customer_apply(stripe_customer=event["data"]["object"], event_created=from_timestamp(event["created"]))
    return Outcome(
        ignored=customer is None,
        note="Customer email and balance updated." if customer else "Another customer: ignored.",
    )


@handles("customer.deleted")
def customer_deleted(event: dict) -> Outcome:
    """A customer deleted at Stripe (the Dashboard) cannot pay again: the next checkout creates a new one."""
    customer, note = customer_deleted_apply(
        stripe_customer=event["data"]["object"], at=from_timestamp(event["created"])
    )
    return _result(customer, note)
