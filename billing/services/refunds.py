"""Staff refunds: full or partial, with a reason, through Stripe; the webhook records the result."""

from django.utils.translation import gettext as _

from billing import gateway
from billing.exceptions import BillingError
from billing.models import Invoice
from core.audit import staff_action_record
from members.models import User

REFUND_REASONS = ("requested_by_customer", "duplicate", "fraudulent", "other")


def _payment_intent_of(invoice: Invoice) -> str:
    if not invoice.stripe_payment_intent_id:
        payments = gateway.as_json(gateway.invoice_payments_list(invoice_id=invoice.stripe_invoice_id))
        for payment in payments["data"]:
            intent = (payment.get("payment") or {}).get("payment_intent")
            if intent:
                invoice.stripe_payment_intent_id = intent
                invoice.save(update_fields=["stripe_payment_intent_id", "updated_at"])
                break
    if not invoice.stripe_payment_intent_id:
        raise BillingError(_("This invoice has no card payment to refund."))
    return invoice.stripe_payment_intent_id


def invoice_refund(*, invoice: Invoice, amount_minor: int, reason: str, note: str, actor: User) -> None:
    """Ask Stripe to refund part or all of what is left of an invoice's payment."""
    if reason not in REFUND_REASONS:
        raise BillingError(_("Choose a refund reason."))
    if not 0 < amount_minor <= invoice.refundable_minor:
        raise BillingError(
            _("The amount must be between 1 and %(most)s (minor units).") % {"most": invoice.refundable_minor}
        )
    payment_intent = _payment_intent_of(invoice)
    refund = gateway.refund_create(
        payment_intent_id=payment_intent,
        amount_minor=amount_minor,
        reason=reason,
        metadata={"invoice": invoice.stripe_invoice_id, "staff": actor.email, "note": note[:200]},
        key=gateway.idempotency_key("refund", invoice.pk, invoice.amount_refunded_minor, amount_minor),
    )
    staff_action_record(
        actor=actor,
        action="refund",
        target=invoice,
        before={"amount_refunded_minor": invoice.amount_refunded_minor},
        after={"requested_minor": amount_minor, "refund": refund.id, "reason": reason},
        note=note,
    )
