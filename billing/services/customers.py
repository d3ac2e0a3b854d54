"""The customer mirror's own writes: a customer deleted at Stripe is never charged or reused again, and an existing
Stripe customer is adopted by one member only (``customer_adopt``, for clubs moving in)."""

import json
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import gateway
from billing.exceptions import BillingError
from billing.models import Invoice, StripeCustomer, Subscription, WebhookEvent
from members.models import User


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


@transaction.atomic
def customer_adopt(*, user: User, stripe_customer_id: str) -> StripeCustomer:
    """Make an existing Stripe customer (one that already pays, say a club moving in) this user's customer.

    One customer per member, one member per customer: a customer already linked to someone else is refused (it
    would let one member see or pay with another's billing), and so is a member who already pays here as another
    customer (they would be charged twice). Adopting the pair already linked changes nothing, so an import run
    again is safe. Nothing is written at Stripe: the customer exists there already.
    """
    if not stripe_customer_id:
        raise BillingError(_("This Stripe subscription names no customer."))
    own = StripeCustomer.objects.select_for_update().filter(user=user).first()
    if own is not None:
        if own.stripe_customer_id != stripe_customer_id:
            raise BillingError(_("This member already pays here as another Stripe customer."))
        return own
    if StripeCustomer.objects.filter(stripe_customer_id=stripe_customer_id).exists():
        raise BillingError(_("This Stripe subscription bills a customer of another member."))
    return StripeCustomer.objects.create(user=user, stripe_customer_id=stripe_customer_id, email=user.email)


# --- Erasure: what the stored webhook events hold about a person ------------------------------------------

ERASED = "[erased]"
# Keys under which Stripe objects carry a person's data, wherever they sit in an event (the object, its expanded
# children, ``previous_attributes``): set to null, so code reading ``payload.get(key) or ""`` still works.
PERSONAL_KEYS = frozenset(
    {
        "email",
        "phone",
        "address",
        "shipping",
        "owner",
        "billing_details",
        "customer_details",
        "customer_email",
        "customer_name",
        "customer_address",
        "customer_phone",
        "customer_shipping",
        "customer_tax_ids",
        "receipt_email",
        "shipping_details",
    }
)
# ``name`` is a person's on these objects and on untyped sub-objects (a product's or a price's name is not);
# ``description`` is a person's on a customer (the Dashboard's "description" is often the name).
PERSON_OBJECTS = frozenset({"customer", "card", "source", "bank_account", "payment_method", "tax_id"})


@dataclass(frozen=True)
class _Person:
    stripe_ids: frozenset[str]  # the customers' ids and those of their subscriptions and invoices
    emails: tuple[str, ...]  # lowercased
    names: tuple[re.Pattern, ...]

    def mentioned_in(self, text: str) -> bool:
        lowered = text.lower()
        return any(email in lowered for email in self.emails) or any(name.search(text) for name in self.names)

    def references(self, node) -> bool:
        """Whether ``node`` names one of the person's Stripe ids exactly (a LIKE match may be a longer id)."""
        if isinstance(node, dict):
            return any(self.references(value) for value in node.values())
        if isinstance(node, list):
            return any(self.references(value) for value in node)
        return isinstance(node, str) and node in self.stripe_ids


def _scrub(node, *, person: _Person, full: bool, kind: str | None = None):
    """A copy of ``node`` without the person's data: with ``full`` (an event about their customer) every personal
    key goes; otherwise (someone else's event that mentions them, a gift's recipient) only strings naming them."""
    if isinstance(node, list):
        return [_scrub(value, person=person, full=full) for value in node]
    if isinstance(node, str):
        return ERASED if person.mentioned_in(node) else node
    if not isinstance(node, dict):
        return node
    kind = node.get("object") if isinstance(node.get("object"), str) else kind
    scrubbed = {}
    for key, value in node.items():
        personal = (
            key in PERSONAL_KEYS
            or (key == "name" and (kind is None or kind in PERSON_OBJECTS))
            or (key == "description" and kind == "customer")
        )
        if full and personal and value is not None:
            scrubbed[key] = [] if isinstance(value, list) else None
        elif key == "previous_attributes" and isinstance(value, dict):  # the same object's earlier values
            changed_object = node.get("object")
            earlier_kind = changed_object.get("object") if isinstance(changed_object, dict) else kind
            scrubbed[key] = _scrub(value, person=person, full=full, kind=earlier_kind)
        else:
            scrubbed[key] = _scrub(value, person=person, full=full)
    return scrubbed


def _name_pattern(name: str) -> re.Pattern | None:
    name = name.strip()
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE) if len(name) >= 3 else None


def _json_text_forms(term: str) -> set[str]:
    """How ``term`` reads inside stored JSON: as is (PostgreSQL's jsonb text) and escaped (SQLite keeps
    ``json.dumps`` output, which writes non-ASCII letters as \\uXXXX)."""
    return {term, json.dumps(term)[1:-1]}


def webhook_events_scrub_person(*, customers: list[StripeCustomer], emails: list[str], names: list[str]) -> int:
    """Erasure: take a person's data out of every stored webhook event about them; the number of events changed.

    The events stay (they are the record of what Stripe said about each payment): ids, amounts, currencies,
    statuses and dates are kept, so invoices can still be reconciled with Stripe. In an event about one of their
    customers (its payload names the customer id, or one of its subscriptions or invoices: a customer deleted and
    replaced keeps those) every personal field (PERSONAL_KEYS, a person's ``name``) becomes null; any string
    elsewhere that holds their email or name (metadata, another buyer's gift for them) becomes "[erased]".
    One query finds the events (their text names one of those ids or an email: there is no column to index, and
    erasure is rare), each is checked exactly in Python, and only the changed ones are written, in batches.
    """
    customer_pks = [customer.pk for customer in customers]
    stripe_ids = {customer.stripe_customer_id for customer in customers}
    stripe_ids.update(Invoice.objects.filter(customer__in=customer_pks).values_list("stripe_invoice_id", flat=True))
    stripe_ids.update(
        Subscription.objects.filter(customer__in=customer_pks).values_list("stripe_subscription_id", flat=True)
    )
    person = _Person(
        stripe_ids=frozenset(filter(None, stripe_ids)),
        emails=tuple(sorted({email.strip().lower() for email in emails if email and email.strip()})),
        names=tuple(filter(None, (_name_pattern(name) for name in set(names) if name))),
    )
    terms = {form for term in (*person.stripe_ids, *person.emails) for form in _json_text_forms(term)}
    if not terms:
        return 0
    found = Q()
    for term in sorted(terms):
        found |= Q(payload__icontains=term)
    changed = []
    for event in WebhookEvent.objects.filter(found).only("pk", "payload", "note", "last_error").iterator():
        full = person.references(event.payload)
        payload = _scrub(event.payload, person=person, full=full)
        note = ERASED if person.mentioned_in(event.note) else event.note
        last_error = ERASED if person.mentioned_in(event.last_error) else event.last_error
        if (payload, note, last_error) != (event.payload, event.note, event.last_error):
            event.payload, event.note, event.last_error = payload, note, last_error
            changed.append(event)
    WebhookEvent.objects.bulk_update(changed, ["payload", "note", "last_error"], batch_size=200)
    return len(changed)
