"""The customer mirror's own events: a customer deleted at Stripe is never charged or reused again."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from billing import gateway
from billing.models import StripeCustomer


@transaction.atomic
def customer_deleted_apply(*, stripe_customer: dict, at: datetime | None) -> tuple[StripeCustomer | None, str]:
    """customer.deleted: mark the mirror; ``customer_for_user`` then creates a new customer at the next checkout."""
    customer = (
        StripeCustomer.objects.select_for_update().filter(stripe_customer_id=stripe_customer.get("id") or "-").first()
    )
    if customer is None:
        return None, "Another customer: ignored."
    if customer.deleted_at is None:
        customer.deleted_at = at or timezone.now()
        customer.save(update_fields=["deleted_at", "updated_at"])
    return customer, f"Customer {customer.stripe_customer_id} deleted at Stripe; the next checkout creates a new one."


def customer_replace_deleted(*, customer: StripeCustomer) -> StripeCustomer:
    """A new Stripe customer for a user whose customer was deleted at Stripe; the mirror row now names it.

    The idempotency key names the deleted customer, so a retry reuses the replacement rather than making two.
    Invoices and subscriptions already mirrored stay on the row (their history is the member's).
    """
    user = customer.user
    created = gateway.customer_create(
        email=user.email,
        name=user.public_name,
        metadata={"user_id": str(user.pk), "replaces": customer.stripe_customer_id},
        key=gateway.idempotency_key("customer", user.pk, "replaces", customer.stripe_customer_id),
    )
    with transaction.atomic():
        locked = StripeCustomer.objects.select_for_update().get(pk=customer.pk)
        if locked.deleted_at is not None:
            locked.stripe_customer_id, locked.email, locked.deleted_at = created.id, user.email, None
            locked.save(update_fields=["stripe_customer_id", "email", "deleted_at", "updated_at"])
    return locked
