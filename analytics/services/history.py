"""The history the figures are computed from: each membership's access records and each refund's day.

Recording happens when the state changes (``analytics.signals``), never when a dashboard is read,
so a later change (a complimentary grant, a plan switch, a refund) cannot rewrite a closed period.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from analytics.models import AccessRecord, RefundRecord, SubscriptionPriceChange
from billing.models import Invoice
from clubs.models import Membership, MembershipStatus

# The fields of a record that come from the membership row (the rest is the price ledger's).
STATE_FIELDS = ("status", "has_access", "access_until", "is_complimentary", "plan_id", "monthly_amount_minor")


def access_state(*, membership: Membership) -> dict:
    """``MembershipQuerySet.with_access`` written as (has_access, access_until) for this membership's state.

    Trialing and active members have access; past due ones only until the grace end fixed when the
    payment failed (none without one); complimentary access stops at ``complimentary_until``.
    """
    status = membership.status
    if status in (MembershipStatus.TRIALING, MembershipStatus.ACTIVE):
        has_access, ends = True, []
    elif status == MembershipStatus.PAST_DUE:
        has_access, ends = membership.grace_period_ends_at is not None, [membership.grace_period_ends_at]
    else:
        has_access, ends = False, []
    if membership.is_complimentary and membership.complimentary_until is not None:
        ends.append(membership.complimentary_until)
    ends = [end for end in ends if end is not None]
    return {
        "status": status,
        "has_access": has_access,
        "access_until": min(ends) if has_access and ends else None,
        "is_complimentary": membership.is_complimentary,
        "plan_id": membership.plan_id,
    }


def _monthly_amount_at(*, membership_id: int, at: datetime) -> Decimal | None:
    price = (
        SubscriptionPriceChange.objects.filter(membership_id=membership_id, effective_at__lte=at)
        .order_by("-effective_at", "-pk")
        .values_list("monthly_amount_minor", flat=True)
        .first()
    )
    return price


@transaction.atomic
def access_record(*, membership: Membership, at: datetime | None = None) -> AccessRecord:
    """Close the membership's open record at ``at`` and open one with its state now (2-5 queries).

    History only grows: a change dated before the newest record (Stripe dates events to the second,
    a webhook may arrive late) takes effect from that record on, and the last recorded wins, as in
    ``MembershipStatusChange``. An unchanged state writes nothing.
    """
    at = at or timezone.now()
    records = (
        AccessRecord.objects.select_for_update().filter(membership_id=membership.pk).order_by("-valid_from", "-pk")
    )
    latest = records.first()
    if latest is not None and at < latest.valid_from:
        at = latest.valid_from
    state = access_state(membership=membership)
    state["monthly_amount_minor"] = _monthly_amount_at(membership_id=membership.pk, at=at)
    if latest is not None and all(_same(getattr(latest, name), state[name]) for name in STATE_FIELDS):
        return latest
    if latest is not None and latest.valid_from == at:
        # A second change at the same instant: one state from it, the last one; the one before goes on.
        previous = records.exclude(pk=latest.pk).first()
        latest.delete()
        latest = previous
    access_before, access_since = timedelta(), None
    if latest is not None:
        latest.valid_to = at
        latest.save(update_fields=["valid_to"])
        access_before = latest.access_before + access_time(record=latest, until=at)
        continues = latest.has_access and (latest.access_until is None or latest.access_until >= at)
        access_since = latest.access_since if continues else None
    access_since = (access_since or at) if state["has_access"] else None
    return AccessRecord.objects.create(
        membership_id=membership.pk,
        club_id=membership.club_id,
        valid_from=at,
        access_before=access_before,
        access_since=access_since,
        **state,
    )


def access_time(*, record: AccessRecord, until: datetime) -> timedelta:
    """How long ``record`` gave access from its start to ``until``."""
    if not record.has_access:
        return timedelta()
    end = min(until, record.access_until) if record.access_until else until
    return max(end - record.valid_from, timedelta())


def _same(left, right) -> bool:
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        return (left is None and right is None) or (
            left is not None and right is not None and Decimal(left) == Decimal(right)
        )
    return left == right


def refund_record(*, invoice: Invoice, amount_minor: int, at: datetime | None = None) -> RefundRecord | None:
    """Count ``amount_minor`` more refunded on ``invoice`` on the day it happened (negative: a correction)."""
    if not amount_minor or invoice.subscription_id is None:
        return None
    club_id = Membership.objects.filter(subscriptions=invoice.subscription_id).values_list("club_id", flat=True).first()
    if club_id is None:
        return None
    return RefundRecord.objects.create(
        invoice=invoice, club_id=club_id, amount_minor=amount_minor, currency=invoice.currency,
        refunded_at=at or timezone.now(),
    )  # fmt: skip
