"""Where a membership stood at a past instant, as SQL expressions over clubs' status history.

MembershipStatusChange is append-only, so the newest change at or before an instant is the status
then. MRR at an instant comes from the price ledger (analytics.SubscriptionPriceChange).
"""

from datetime import datetime

from django.db.models import Case, CharField, Exists, F, Min, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from analytics.models import SubscriptionPriceChange
from clubs.models import MembershipStatus, MembershipStatusChange

# Counted as members: whoever had access (a past-due member in grace is still a member, not churned).
MEMBER_STATUSES = (MembershipStatus.TRIALING, MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE)
# Counted towards MRR: as billing.selectors.MRR_STATUSES, trials bring no revenue yet.
PAYING_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE)
LAPSED_STATUSES = (MembershipStatus.CANCELED, MembershipStatus.EXPIRED)


def status_at(at: datetime):
    """The membership's status at ``at`` ('' before it ever had one).

    The last change *recorded* (highest id) among those dated at or before ``at`` wins, as it did for
    the membership row itself: Stripe dates events to the second, so an activation can carry an
    earlier time than the pending row written a moment before it.
    """
    newest_change = (
        MembershipStatusChange.objects.filter(membership=OuterRef("pk"), changed_at__lte=at)
        .order_by("-pk")
        .values("to_status")[:1]
    )
    # A membership with no recorded history (imported, or made directly) follows its own dates.
    without_history = Case(
        When(started_at__lte=at, canceled_at__gt=at, then=Value(MembershipStatus.ACTIVE.value)),
        When(started_at__lte=at, canceled_at__isnull=True, then=F("status")),
        default=Value(""),
        output_field=CharField(),
    )
    return Coalesce(Subquery(newest_change, output_field=CharField()), without_history, output_field=CharField())


def monthly_amount_at(at: datetime):
    """What the membership's newest subscription price was worth per month at ``at`` (None without one).

    Only meaningful while the membership is paying at ``at`` (callers check its status then): a rejoin
    starts a new subscription whose first price is newer than anything of the ended one.
    """
    newest_price = (
        SubscriptionPriceChange.objects.filter(membership=OuterRef("pk"), effective_at__lte=at)
        .order_by("-effective_at", "-pk")
        .values("monthly_amount_minor")[:1]
    )
    return Subquery(newest_price)


def lapsed_between(start_field: str, at: datetime):
    """Whether the membership was canceled or expired between its ``start_field`` and ``at``."""
    return Exists(
        MembershipStatusChange.objects.filter(
            membership=OuterRef("pk"),
            to_status__in=LAPSED_STATUSES,
            changed_at__gte=OuterRef(start_field),
            changed_at__lte=at,
        )
    )


def first_lapse():
    """When the membership first lapsed after it started (None if it never did)."""
    first = (
        MembershipStatusChange.objects.filter(
            membership=OuterRef("pk"), to_status__in=LAPSED_STATUSES, changed_at__gte=OuterRef("started_at")
        )
        .order_by()
        .values("membership")
        .annotate(first=Min("changed_at"))
        .values("first")[:1]
    )
    return Coalesce(Subquery(first), F("canceled_at"))
