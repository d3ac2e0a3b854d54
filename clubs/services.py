"""Writes to clubs and memberships. Views, admin actions, tasks and billing call these."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs import hooks, texts
from clubs.exceptions import ClubsError, MembershipError
from clubs.models import Club, Membership, MembershipStatus, MembershipStatusChange, Plan
from core.audit import audit_fields, staff_action_record
from core.exceptions import DomainError
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
    *,
    user: User,
    club: Club,
    actor: User,
    reason: str,
    until: datetime | None = None,
    stop_paid_subscription: bool = False,
) -> Membership:
    """Staff give access without Stripe (a partner, a prize); it never counts towards MRR.

    A member is never both charged and given the membership: while a subscription still charges them
    (``clubs.hooks.paid_access_describe``), the grant is refused unless staff explicitly chose
    ``stop_paid_subscription``; then the subscription stops renewing at the end of the period already paid.
    """
    if not reason.strip():
        raise MembershipError(_("Say why this membership is complimentary."))
    if until is not None and until <= timezone.now():
        raise MembershipError(_("The end date must be in the future."))
    membership, _created = Membership.objects.select_for_update().get_or_create(user=user, club=club)
    paying = hooks.paid_access_describe(membership=membership)
    if paying and not stop_paid_subscription:
        raise MembershipError(
            _(
                "%(member)s still pays for %(club)s: %(paying)s. Choose to stop the paid subscription at the end "
                "of its period to give complimentary access, or leave the membership as it is."
            )
            % {"member": user.email, "club": club.name, "paying": paying}
        )
    if paying:
        try:
            hooks.paid_access_stop(membership=membership)
        except DomainError as error:
            raise MembershipError(str(error)) from error
        membership.refresh_from_db()
    membership.is_complimentary = True
    membership.complimentary_until = until
    membership.complimentary_reason = reason.strip()[:200]
    membership.current_period_end = until
    membership.ends_at_period_end = False
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


EMAIL_SETTINGS_FIELDS = ("email_logo_url", "brand_colour", "postal_address", "reply_to_email", "offer_double_opt_in")


@transaction.atomic
def club_email_settings_update(*, club: Club, actor: User, values: dict) -> Club:
    """Save the club's email branding (logo, colour, postal address, Reply-To) and leave an audit row.

    Every later email reads them through clubs.emails.branding_for, so a change shows from the next email on.
    """
    locked = Club.objects.select_for_update().get(pk=club.pk)
    before = audit_fields({field: getattr(locked, field) for field in EMAIL_SETTINGS_FIELDS}, EMAIL_SETTINGS_FIELDS)
    for field in EMAIL_SETTINGS_FIELDS:
        if Club._meta.get_field(field).get_internal_type() == "BooleanField":
            setattr(locked, field, bool(values.get(field)))
        else:
            setattr(locked, field, values.get(field, "") or "")
    locked.full_clean(exclude=[field.name for field in Club._meta.fields if field.name not in EMAIL_SETTINGS_FIELDS])
    locked.save(update_fields=list(EMAIL_SETTINGS_FIELDS))
    after = audit_fields({field: getattr(locked, field) for field in EMAIL_SETTINGS_FIELDS}, EMAIL_SETTINGS_FIELDS)
    if before != after:
        staff_action_record(actor=actor, action="club_email_settings", target=locked, before=before, after=after)
    return locked


@transaction.atomic
def club_texts_update(
    *, club: Club, actor: User, club_translations: dict, plan_translations: dict[int, dict] | None = None
) -> Club:
    """Save the club's name, tagline and description, and its plans' names, in the other site languages.

    Each value replaces what was there (an empty text means "show the club's own"); the club's own language is
    never stored here, since that text is the row's. Every text is checked first (clubs/texts.py: the row's
    length limits, names on one line, site languages only), so one bad text saves nothing. Leaves an audit row.
    """
    locked = Club.objects.select_for_update().get(pk=club.pk)
    plan_translations = plan_translations or {}
    plans = {plan.pk: plan for plan in Plan.objects.select_for_update().filter(club=locked, pk__in=plan_translations)}
    if set(plan_translations) - set(plans):
        raise ClubsError(_("This plan is not one of the club's."))
    try:
        club_value = texts.translations_clean(club_translations, **locked.translation_rules())
        plan_values = {}
        for pk, value in plan_translations.items():
            plans[pk].club = locked
            plan_values[pk] = texts.translations_clean(value, **plans[pk].translation_rules())
    except ValidationError as error:
        raise ClubsError(" ".join(error.messages)) from error
    before = {"club": locked.translations, **{f"plan {pk}": plans[pk].translations for pk in plan_values}}
    locked.translations = club_value
    locked.save(update_fields=["translations"])
    for pk, value in plan_values.items():
        plans[pk].translations = value
        plans[pk].save(update_fields=["translations"])
    after = {"club": club_value, **{f"plan {pk}": value for pk, value in plan_values.items()}}
    if before != after:
        staff_action_record(actor=actor, action="club_texts", target=locked, before=before, after=after)
    return locked
