"""The invoice mirror: payment history for members, refunds and revenue for staff.

Ordering rule for invoice snapshots: an invoice that reached a final state (paid, void, uncollectible)
never goes back to draft or open. Stripe never reopens one, so a late invoice.payment_failed delivered
after invoice.paid describes the past and leaves the payment fields as they are.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing import gateway
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
    # FOR NO KEY UPDATE: a subscription inserted meanwhile for this customer checks its foreign key with KEY SHARE
    # at commit; FOR UPDATE would block that check while this waits for the invoice rows it links (a deadlock
    # seen in bench/webhooks when an invoice.paid and its subscription.created ran at once).
    customer = (
        StripeCustomer.objects.select_for_update(no_key=True)
        .filter(stripe_customer_id=stripe_invoice.get("customer"))
        .first()
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
            # Credit applied or created (negative balance is credit); ending_balance is null until finalized.
            "starting_balance_minor": stripe_invoice.get("starting_balance") or 0,
            "ending_balance_minor": stripe_invoice.get("starting_balance") or 0
            if stripe_invoice.get("ending_balance") is None
            else stripe_invoice["ending_balance"],
            "hosted_invoice_url": stripe_invoice.get("hosted_invoice_url") or "",
            "invoice_pdf": stripe_invoice.get("invoice_pdf") or "",
            "period_start": from_timestamp(stripe_invoice.get("period_start")),
            "period_end": from_timestamp(stripe_invoice.get("period_end")),
            "stripe_created": from_timestamp(stripe_invoice.get("created")) or timezone.now(),
        },
    )
    return invoice, f"Invoice {invoice.status}."


def _invoice_mirrored_now(invoice_id: str) -> Invoice | None:
    """The invoice of a payment that arrived before its invoice.paid (Stripe sends them in no set order).

    An InvoicePayment names no customer, so only the invoice read from Stripe tells whether it is ours: it is
    mirrored now (invoice_apply ignores other customers' and never moves a final invoice back), and the late
    invoice.paid then finds it. A Stripe that cannot be reached raises GatewayError: the event fails and its
    task retries, so the link converges instead of being dropped.
    """
    fetched = gateway.as_json(gateway.object_retrieve(object_type="invoice", object_id=invoice_id))
    invoice, _note = invoice_apply(stripe_invoice=fetched)
    return Invoice.objects.select_for_update().get(pk=invoice.pk) if invoice is not None else None


def _payment_of(invoice_payment: dict) -> tuple[str, str]:
    """(payment intent id, charge id) of an InvoicePayment; either may be empty."""
    payment = invoice_payment.get("payment") or {}
    intent, charge = payment.get("payment_intent") or "", payment.get("charge") or ""
    intent = intent if isinstance(intent, str) else intent.get("id", "")
    charge = charge if isinstance(charge, str) else charge.get("id", "")
    return intent, charge


@transaction.atomic
def invoice_payment_apply(*, stripe_invoice_payment: dict) -> tuple[Invoice | None, str]:
    """invoice_payment.paid: remember which payment paid the invoice.

    Since the 2025 API versions a charge names no invoice and an invoice no payment intent; the
    InvoicePayment is the only link, and charge.refunded is matched through it.
    """
    invoice_id = stripe_invoice_payment.get("invoice") or ""
    invoice_id = invoice_id if isinstance(invoice_id, str) else invoice_id.get("id", "")
    if not invoice_id:
        return None, "Payment of no invoice: ignored."
    invoice = Invoice.objects.select_for_update().filter(stripe_invoice_id=invoice_id).first()
    if invoice is None:
        invoice = _invoice_mirrored_now(invoice_id)
    if invoice is None:
        return None, "Payment of an invoice that is not ours: ignored."
    intent, charge = _payment_of(stripe_invoice_payment)
    if stripe_invoice_payment.get("status") != "paid" or not (intent or charge):
        return invoice, "Invoice payment not paid: nothing to link."
    invoice.stripe_payment_intent_id = intent or invoice.stripe_payment_intent_id
    invoice.stripe_charge_id = charge or invoice.stripe_charge_id
    invoice.save(update_fields=["stripe_payment_intent_id", "stripe_charge_id", "updated_at"])
    return invoice, f"Invoice {invoice.stripe_invoice_id} paid by {intent or charge}."


def _invoice_of_charge(stripe_charge: dict) -> Invoice | None:
    intent, charge_id = stripe_charge.get("payment_intent") or "", stripe_charge.get("id") or ""
    intent = intent if isinstance(intent, str) else intent.get("id", "")
    links = Q(stripe_charge_id=charge_id) if charge_id else Q(pk__in=[])
    if intent:
        links |= Q(stripe_payment_intent_id=intent)
    invoice = Invoice.objects.select_for_update().filter(links).first()
    if invoice is not None or not intent:
        return invoice
    # The refund can arrive before invoice_payment.paid: ask Stripe which invoice this payment paid, but only
    # for a customer of ours (a shared account's other charges cost no request).
    if not StripeCustomer.objects.filter(stripe_customer_id=stripe_charge.get("customer") or "-").exists():
        return None
    payments = gateway.as_json(gateway.invoice_payments_for_intent(payment_intent_id=intent))
    for payment in payments.get("data") or []:
        linked, _note = invoice_payment_apply(stripe_invoice_payment=payment)
        if linked is not None and linked.stripe_payment_intent_id == intent:
            return Invoice.objects.select_for_update().get(pk=linked.pk)
    return None


@transaction.atomic
def invoice_refund_apply(*, stripe_charge: dict) -> tuple[Invoice | None, str]:
    """charge.refunded, from this site or the Dashboard: record how much of the invoice's payment went back.

    Matched by the payment the InvoicePayment recorded (payment intent or charge), never by ``charge.invoice``
    (absent since the 2025 versions). ``amount_refunded`` only grows at Stripe, so an older event delivered
    after a newer one describes the past and changes nothing.
    """
    invoice = _invoice_of_charge(stripe_charge)
    if invoice is None:
        return None, "Charge of another product: ignored."
    refunded = stripe_charge.get("amount_refunded") or 0
    if refunded <= invoice.amount_refunded_minor:
        return invoice, f"Refunded {invoice.amount_refunded_minor} {invoice.currency} already; older event skipped."
    invoice.amount_refunded_minor = refunded
    if not invoice.stripe_charge_id and stripe_charge.get("id"):
        invoice.stripe_charge_id = stripe_charge["id"]
    invoice.save(update_fields=["amount_refunded_minor", "stripe_charge_id", "updated_at"])
    return invoice, f"Refunded {invoice.amount_refunded_minor} {invoice.currency}."
