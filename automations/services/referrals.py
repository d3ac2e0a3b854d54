"""Referrals and comeback discounts at checkout.

A member shares ``/r/<code>/``; the friend's browser session remembers the code; the friend's first checkout in
that club carries a one-time Stripe coupon (the first-period discount) and records a ``Referral``. The referrer
is credited (a Stripe customer balance credit, taken off their next invoice) only when the friend's first
payment succeeds, as told by the ``invoice.paid`` webhook; the Referral row is unique per club and friend, and
rewarded under a row lock with an idempotency key, so a redelivered or concurrent event never credits twice.
"""

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from automations.exceptions import AutomationError
from automations.models import (
    AutomationKind,
    AutomationSend,
    Referral,
    ReferralCode,
    ReferralStatus,
    SendStatus,
)
from automations.selectors import automation_settings_for
from billing import gateway
from clubs.models import LAPSED_STATUSES, Club, Membership, MembershipStatus
from core.exceptions import DomainError
from members.models import User

SESSION_REFERRALS = "automations_referrals"  # {club id: referral code}
SESSION_WIN_BACK = "automations_win_back"  # {club id: automation send id}


def referral_code_for(*, club: Club, user: User) -> ReferralCode:
    """The member's one code for this club, made on first need."""
    code, _created = ReferralCode.objects.get_or_create(club=club, user=user)
    return code


def referral_link_remember(*, session: SessionBase, code: ReferralCode, user: User) -> None:
    """Keep the code in the visitor's session until they check out; one's own link is refused."""
    if user.is_authenticated and user.pk == code.user_id:
        raise AutomationError(_("This is your own referral link: share it with friends, it gives them a discount."))
    remembered = dict(session.get(SESSION_REFERRALS) or {})
    remembered[str(code.club_id)] = code.code
    session[SESSION_REFERRALS] = remembered


def win_back_remember(*, session: SessionBase, send: AutomationSend) -> None:
    """A click on a comeback offer: the discount applies when this member rejoins the club."""
    remembered = dict(session.get(SESSION_WIN_BACK) or {})
    remembered[str(send.club_id)] = send.pk
    session[SESSION_WIN_BACK] = remembered


def referral_start(*, membership: Membership, code: str) -> Referral:
    """Record that this friend came through ``code`` and make their first-period coupon.

    Refused (AutomationError) for one's own code, when referrals are off, when the friend has paid this club
    before (not a new member) or was already referred once.
    """
    club, friend = membership.club, membership.user
    code_row = ReferralCode.objects.select_related("user").filter(code=code, club=club).first()
    if code_row is None:
        raise AutomationError(_("This referral link is not valid for this club."))
    if code_row.user_id == friend.pk:
        raise AutomationError(_("You cannot use your own referral link."))
    config = automation_settings_for(club=club)
    if not config.referrals_enabled:
        raise AutomationError(_("This club does not run referrals at the moment."))
    existing = Referral.objects.filter(club=club, referred=friend).first()
    if existing is not None:
        if existing.membership_id == membership.pk and existing.status == ReferralStatus.PENDING:
            return existing  # a second checkout attempt keeps the same coupon
        raise AutomationError(_("A referral discount applies once per member."))
    if membership.subscriptions.exists():
        raise AutomationError(_("Referral discounts are for new members."))
    coupon = gateway.coupon_create(
        name=f"{club.name} friend {config.referral_friend_percent}%",
        percent_off=config.referral_friend_percent,
        metadata={"club_id": str(club.pk), "membership_id": str(membership.pk), "referral_code": code_row.code},
        key=gateway.idempotency_key("referral-coupon", membership.pk, code_row.pk),
    )
    try:
        with transaction.atomic():
            return Referral.objects.create(
                club=club,
                code=code_row,
                referrer=code_row.user,
                referred=friend,
                membership=membership,
                friend_percent_off=config.referral_friend_percent,
                friend_stripe_coupon_id=coupon.id,
                credit_minor=config.referral_credit_minor,
                currency=club.currency,
            )
    except IntegrityError:
        # Two checkouts at once: the first one's row stands.
        return Referral.objects.get(club=club, referred=friend)


def _win_back_coupon_for(membership: Membership, send_id) -> str:
    if not str(send_id).isdigit():
        return ""
    send = AutomationSend.objects.filter(
        pk=int(send_id),
        club_id=membership.club_id,
        user_id=membership.user_id,
        kind=AutomationKind.WIN_BACK,
        status=SendStatus.SENT,
    ).first()
    if send is None or not send.stripe_coupon_id:
        return ""
    return send.stripe_coupon_id


def checkout_coupon_for(*, membership: Membership, session: SessionBase) -> str:
    """The Stripe coupon this checkout should carry ('' for none): a comeback offer the member clicked for a
    lapsed membership, else a friend's referral for a new member. Never blocks the checkout."""
    club_key = str(membership.club_id)
    if membership.status in LAPSED_STATUSES:
        coupon = _win_back_coupon_for(membership, (session.get(SESSION_WIN_BACK) or {}).get(club_key, ""))
        if coupon:
            return coupon
    code = (session.get(SESSION_REFERRALS) or {}).get(club_key)
    if code and membership.status in (MembershipStatus.PENDING, *LAPSED_STATUSES):
        try:
            return referral_start(membership=membership, code=code).friend_stripe_coupon_id
        except DomainError:
            return ""
    return ""


def _membership_id_of(stripe_invoice: dict) -> int | None:
    from billing.models import Subscription

    details = (stripe_invoice.get("parent") or {}).get("subscription_details") or {}
    subscription_id = details.get("subscription") or ""
    if isinstance(subscription_id, dict):
        subscription_id = subscription_id.get("id", "")
    known = Subscription.objects.filter(stripe_subscription_id=subscription_id).values_list("membership_id", flat=True)
    membership_id = known.first() if subscription_id else None
    if membership_id is None:
        # invoice.paid may arrive before customer.subscription.created: the subscription's metadata says whose.
        reference = (details.get("metadata") or {}).get("membership_id", "")
        membership_id = int(reference) if str(reference).isdigit() else None
    return membership_id


def referral_reward_for_invoice(*, stripe_invoice: dict) -> str:
    """invoice.paid: the friend's first successful payment credits the referrer, once. Returns a note ('' if none)."""
    if stripe_invoice.get("status") != "paid" or not stripe_invoice.get("amount_paid"):
        return ""
    membership_id = _membership_id_of(stripe_invoice)
    if membership_id is None:
        return ""
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update()
            .select_related("referrer", "club")
            .filter(membership_id=membership_id)
            .first()
        )
        if referral is None:
            return ""
        if referral.status == ReferralStatus.REWARDED:
            return "Referral already rewarded."
        from billing.services.subscriptions import customer_for_user

        customer = customer_for_user(user=referral.referrer)
        credit = gateway.customer_balance_credit(
            customer_id=customer.stripe_customer_id,
            amount_minor=referral.credit_minor,
            currency=referral.currency,
            description=f"Referral credit: {referral.club.name}",
            metadata={"referral_id": str(referral.pk), "club_id": str(referral.club_id)},
            key=gateway.idempotency_key("referral-credit", referral.pk),
        )
        referral.status = ReferralStatus.REWARDED
        referral.rewarded_at = timezone.now()
        referral.stripe_invoice_id = stripe_invoice.get("id", "")
        referral.stripe_balance_transaction_id = credit.id
        referral.save(update_fields=["status", "rewarded_at", "stripe_invoice_id", "stripe_balance_transaction_id"])
    return f"Referral {referral.pk} rewarded."
