"""The history the figures are computed from: each membership's access records and each refund's day.

Recording happens when the state changes (``analytics.signals``), never when a dashboard is read,
so a later change (a complimentary grant, a plan switch, a refund) cannot rewrite a closed period.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from analytics.models import AccessRecord, RefundRecord, SubscriptionPriceChange
from billing.models import BillingSettings, Invoice, Subscription
from billing.services.pause import paused_filter
from clubs.models import Membership, MembershipStatus

# The fields of a record that come from the membership row and its subscriptions (the rest is the price ledger's).
STATE_FIELDS = (
    "status", "has_access", "access_from", "access_until", "is_complimentary", "plan_id", "is_paused",
    "paused_until", "monthly_amount_minor",
)  # fmt: skip


def pause_state(*, membership: Membership, at: datetime) -> tuple[bool, datetime | None, bool]:
    """(paused at ``at``, until when (None: until resumed), the club lets paused members keep access); 1 query.

    The same test as billing's access exclusion (``billing.services.pause.paused_without_access``): any of the
    membership's subscriptions with collection paused at ``at``; the pause lasts until the last of them resumes.
    """
    keeps = BillingSettings.objects.filter(club_id=OuterRef("membership__club_id"), paused_keep_access=True)
    rows = list(
        Subscription.objects.filter(paused_filter(at), membership_id=membership.pk)
        .annotate(keeps=Exists(keeps))
        .values_list("pause_resumes_at", "keeps")
    )
    if not rows:
        return False, None, True
    ends = [resumes_at for resumes_at, _keeps in rows]
    return True, (None if None in ends else max(ends)), rows[0][1]


def access_state(*, membership: Membership, at: datetime | None = None) -> dict:
    """``MembershipQuerySet.with_access`` written as (has_access, access_from, access_until) for this state at ``at``.

    Trialing and active members have access; past due ones only until the grace end fixed when the
    payment failed (none without one); complimentary access stops at ``complimentary_until``. A pause in a
    club that gives paused members no access withholds it until the pause ends by its date (``access_from``),
    or altogether for a pause without an end date (until the resume is recorded); one more query then.
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
    access_until = min(ends) if has_access and ends else None
    is_paused, paused_until, access_from = False, None, None
    if has_access:
        is_paused, paused_until, keeps_access = pause_state(membership=membership, at=at or timezone.now())
        if is_paused and not keeps_access:
            access_from = paused_until
            if paused_until is None or (access_until is not None and access_until <= paused_until):
                has_access, access_from, access_until = False, None, None
    return {
        "status": status,
        "has_access": has_access,
        "access_from": access_from,
        "access_until": access_until,
        "is_complimentary": membership.is_complimentary,
        "plan_id": membership.plan_id,
        "is_paused": is_paused,
        "paused_until": paused_until,
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
    """Close the membership's open record at ``at`` and open one with its state now (2-6 queries).

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
    state = access_state(membership=membership, at=at)
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
        continues = (
            latest.has_access
            and (latest.access_from is None or latest.access_from <= at)
            and (latest.access_until is None or latest.access_until >= at)
        )
        access_since = latest.access_since if continues else None
    # Access withheld by a pause comes back, unbroken from then on, when the pause ends.
    access_since = (state["access_from"] or access_since or at) if state["has_access"] else None
    return AccessRecord.objects.create(
        membership_id=membership.pk,
        club_id=membership.club_id,
        valid_from=at,
        access_before=access_before,
        access_since=access_since,
        **state,
    )


def access_time(*, record: AccessRecord, until: datetime) -> timedelta:
    """How long ``record`` gave access from its start (or the end of a pause without access) to ``until``."""
    if not record.has_access:
        return timedelta()
    begin = max(record.valid_from, record.access_from) if record.access_from else record.valid_from
    end = min(until, record.access_until) if record.access_until else until
    return max(end - begin, timedelta())


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
