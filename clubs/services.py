"""Writes to clubs and memberships. Views, admin actions, tasks and billing call these."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs.exceptions import MembershipError
from clubs.models import Club, Membership, MembershipStatus, MembershipStatusChange, Plan
from members.models import User


@transaction.atomic
def membership_transition(
    *,
    membership: Membership,
    to_status: str,
    actor: User | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Membership:
    """Move a membership to a new status, keep the dates that go with it, and record the change.

    Entering past_due fixes the end of the grace period from the club's setting at that moment.
    A transition to the same status is a no-op (webhooks and retries may repeat themselves).
    """
    at = at or timezone.now()
    from_status = membership.status
    if from_status == to_status:
        return membership
    membership.status = to_status
    if to_status in (MembershipStatus.TRIALING, MembershipStatus.ACTIVE):
        membership.started_at = membership.started_at or at
        membership.canceled_at = None
    if to_status == MembershipStatus.PAST_DUE:
        membership.past_due_since = at
        membership.grace_period_ends_at = at + timedelta(days=membership.club.grace_period_days)
    else:
        membership.past_due_since = None
        membership.grace_period_ends_at = None
    if to_status == MembershipStatus.CANCELED:
        membership.canceled_at = at
    membership.save()
    MembershipStatusChange.objects.create(
        membership=membership,
        from_status=from_status,
        to_status=to_status,
        changed_at=at,
        actor=actor,
        reason=reason[:200],
    )
    return membership


@transaction.atomic
def membership_request(*, user: User, club: Club, plan: Plan) -> Membership:
    """Start joining a club on a plan: a pending membership that payment will activate.

    A lapsed member rejoining keeps their one membership row (and its history).
    """
    if plan.club_id != club.pk or not plan.is_active:
        raise MembershipError(_("This plan is not available."))
    membership = Membership.objects.select_for_update().filter(user=user, club=club).first()
    if membership is None:
        membership = Membership.objects.create(user=user, club=club, plan=plan)
        MembershipStatusChange.objects.create(
            membership=membership, to_status=MembershipStatus.PENDING, actor=user, reason=_("Joined")
        )
        return membership
    if Membership.objects.filter(pk=membership.pk).with_access().exists():
        raise MembershipError(_("You are already a member of this club."))
    if membership.status == MembershipStatus.PAST_DUE:
        raise MembershipError(_("Your membership has an overdue payment; please update your card instead."))
    membership.plan = plan
    membership.save(update_fields=["plan", "updated_at"])
    return membership_transition(
        membership=membership, to_status=MembershipStatus.PENDING, actor=user, reason=_("Rejoined")
    )


@transaction.atomic
def membership_grant_complimentary(
    *, user: User, club: Club, actor: User, reason: str, until: datetime | None = None
) -> Membership:
    """Staff give access without Stripe (a partner, a prize); it never counts towards MRR."""
    if not reason.strip():
        raise MembershipError(_("Say why this membership is complimentary."))
    if until is not None and until <= timezone.now():
        raise MembershipError(_("The end date must be in the future."))
    membership, _created = Membership.objects.select_for_update().get_or_create(user=user, club=club)
    membership.is_complimentary = True
    membership.complimentary_until = until
    membership.complimentary_reason = reason.strip()[:200]
    membership.current_period_end = until
    membership.save()
    return membership_transition(
        membership=membership, to_status=MembershipStatus.ACTIVE, actor=actor, reason=_("Complimentary: %s") % reason
    )


@transaction.atomic
def membership_end_complimentary(*, membership: Membership, actor: User | None, reason: str) -> Membership:
    """End a complimentary membership (by staff, or when its date passes)."""
    membership.is_complimentary = False
    membership.save(update_fields=["is_complimentary", "updated_at"])
    return membership_transition(membership=membership, to_status=MembershipStatus.EXPIRED, actor=actor, reason=reason)


def complimentary_memberships_expire(*, now: datetime | None = None) -> int:
    """Daily: complimentary memberships past their date become expired (access already stopped)."""
    now = now or timezone.now()
    due = Membership.objects.filter(
        is_complimentary=True, complimentary_until__lte=now, status=MembershipStatus.ACTIVE
    ).select_related("club")
    count = 0
    for membership in due:
        membership_end_complimentary(membership=membership, actor=None, reason=_("Complimentary period ended"))
        count += 1
    return count
