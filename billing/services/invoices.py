"""The invoice mirror: payment history for members, refunds and revenue for staff.

Ordering rule for invoice snapshots: an invoice that reached a final state (paid, void, uncollectible)
never goes back to draft or open. Stripe never reopens one, so a late invoice.payment_failed delivered
after invoice.paid describes the past and leaves the payment fields as they are.
"""

from django.db import transaction
from django.utils import timezone

from billing.models import Invoice, StripeCustomer, Subscription
from billing.services.events import from_timestamp

FINAL_INVOICE_STATUSES = ("paid", "void", "uncollectible")


def _subscription_id_of(stripe_invoice: dict) -> str:
    details = (stripe_invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = details.get("subscription") or ""
    return subscription if isinstance(subscription, str) else subscription.get("id", "")


@transaction.atomic
def invoice_apply(*, stripe_invoice: dict) -> tuple[Invoice | None, str]:
    """Create or update the mirror of one invoice; invoices of other customers are not ours."""
    # Locking the customer serialises concurrent events of its invoices, so the rule above holds under races.
    customer = (
        StripeCustomer.objects.select_for_update().filter(stripe_customer_id=stripe_invoice.get("customer")).first()
    )
    if customer is None:
        return None, "Invoice of another customer: ignored."
    subscription_id = _subscription_id_of(stripe_invoice)
    transitions = stripe_invoice.get("status_transitions") or {}
    payment = {
        "status": stripe_invoice.get("status") or "",
        "amount_paid_minor": stripe_invoice.get("amount_paid") or 0,
        "paid_at": from_timestamp(transitions.get("paid_at")),
    }
    stored = Invoice.objects.select_for_update().filter(stripe_invoice_id=stripe_invoice["id"]).first()
    if stored is not None and stored.status in FINAL_INVOICE_STATUSES and payment["status"] != stored.status:
        payment = {}
    invoice, _ = Invoice.objects.update_or_create(
        stripe_invoice_id=stripe_invoice["id"],
        defaults={
            **payment,
            "customer": customer,
            "stripe_subscription_id": subscription_id,
            "subscription": Subscription.objects.filter(stripe_subscription_id=subscription_id).first()
            if subscription_id
            else None,
            "billing_reason": stripe_invoice.get("billing_reason") or "",
            "currency": (stripe_invoice.get("currency") or "").upper(),
            "amount_due_minor": stripe_invoice.get("amount_due") or 0,
            "hosted_invoice_url": stripe_invoice.get("hosted_invoice_url") or "",
            "invoice_pdf": stripe_invoice.get("invoice_pdf") or "",
            "period_start": from_timestamp(stripe_invoice.get("period_start")),
            "period_end": from_timestamp(stripe_invoice.get("period_end")),
            "stripe_created": from_timestamp(stripe_invoice.get("created")) or timezone.now(),
        },
    )
    return invoice, f"Invoice {invoice.status}."


@transaction.atomic
def invoice_refund_apply(*, stripe_charge: dict) -> tuple[Invoice | None, str]:
    """charge.refunded: record how much of the invoice's payment went back."""
    invoice = (
        Invoice.objects.select_for_update()
        .filter(stripe_payment_intent_id=stripe_charge.get("payment_intent") or "-")
        .exclude(stripe_payment_intent_id="")
        .first()
    )
    if invoice is None:
        return None, "Charge of another product: ignored."
    invoice.amount_refunded_minor = stripe_charge.get("amount_refunded") or 0
    invoice.save(update_fields=["amount_refunded_minor", "updated_at"])
    return invoice, f"Refunded {invoice.amount_refunded_minor} {invoice.currency}."
