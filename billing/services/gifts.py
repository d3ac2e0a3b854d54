"""Gift memberships: anyone buys 1, 6 or 12 months of a club for someone else, who redeems them by a link.

1. ``gift_checkout_start``: a Stripe Checkout Session in payment mode (no account needed: Checkout asks for the
   buyer's email). The session's metadata carries the whole gift; nothing is stored before Stripe says it is paid.
2. ``gift_from_checkout`` (the ``checkout.session.completed`` webhook, billing/gift_handlers.py): creates the
   gift, once per session, and emails the recipient a signed redeem link (core/tokens.py).
3. ``gift_redeem``: the signed-in recipient gets complimentary access for the months bought (the one
   complimentary grant, clubs.services.membership_grant_complimentary), after any complimentary time they have.
4. ``gift_invites_send`` (beat): a week before that access ends, the recipient is invited to subscribe, once.
5. ``gift_refund``: staff refund a gift not yet redeemed (admin), with an audit row.

Price: the months times the monthly price of the club's longest active plan that fits in the gift (12 months are
priced by a yearly plan, 1 month by a monthly one), rounded to the minor unit; else the shortest plan, pro rata.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing import gateway
from billing.exceptions import BillingError
from billing.models import GIFT_MONTHS, Gift, GiftStatus
from billing.services.events import from_timestamp
from clubs.emails import branding_for
from clubs.models import Club, Membership, Plan
from clubs.services import membership_grant_complimentary
from core import emails
from core.audit import staff_action_record
from core.exceptions import DomainError
from core.formatting import format_number
from core.tokens import BadToken, token_make, token_read
from members.models import User

REDEEM_PURPOSE = "billing.gift-redeem"
INVITE_BEFORE_END = timedelta(days=7)
MESSAGE_MAX_LENGTH = 300  # Stripe metadata values hold at most 500 characters
CHECKOUT_KEY_WINDOW_SECONDS = 600


class GiftError(BillingError):
    """A gift cannot be bought, redeemed or refunded as asked."""


@dataclass(frozen=True)
class GiftPrice:
    months: int
    plan: Plan
    amount_minor: int
    currency: str


def _round_half_up(value: Fraction) -> int:
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))


def gift_prices(*, club: Club) -> list[GiftPrice]:
    """What each gift length costs in this club ([] when the club has no active plan to price it by)."""
    plans = sorted(club.plans.filter(is_active=True), key=lambda plan: (plan.months, plan.pk))
    if not plans:
        return []
    prices = []
    for months in GIFT_MONTHS:
        fitting = [plan for plan in plans if plan.months <= months]
        plan = fitting[-1] if fitting else plans[0]
        amount = _round_half_up(Fraction(plan.price_minor) / plan.months * months)
        prices.append(GiftPrice(months=months, plan=plan, amount_minor=amount, currency=plan.currency.upper()))
    return prices


def _email(value: str, *, error: str) -> str:
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise GiftError(error) from None
    return value.lower()


def gift_checkout_start(
    *,
    club: Club,
    months: int,
    buyer_email: str,
    recipient_email: str,
    message: str,
    buyer: User | None,
    success_url: str,
    cancel_url: str,
) -> str:
    """Open Stripe Checkout for a gift; returns the URL to send the buyer to.

    Why the gift travels in metadata instead of a pending row: an abandoned checkout then leaves nothing behind,
    and the one webhook that proves the payment is also the one place that creates the gift.
    """
    price = next((item for item in gift_prices(club=club) if item.months == months), None)
    if price is None:
        raise GiftError(_("This club does not sell gifts of that length."))
    buyer_email = _email(buyer_email, error=_("Enter a valid email address of your own."))
    recipient_email = _email(recipient_email, error=_("Enter a valid email address of the recipient."))
    message = " ".join((message or "").split())
    if len(message) > MESSAGE_MAX_LENGTH:
        raise GiftError(
            ngettext(
                "The message may be at most %(count)s character.",
                "The message may be at most %(count)s characters.",
                MESSAGE_MAX_LENGTH,
            )
            % {"count": format_number(MESSAGE_MAX_LENGTH)}
        )
    metadata = {
        "gift": "1",
        "club_id": str(club.pk),
        "plan_id": str(price.plan.pk),
        "months": str(months),
        "amount_minor": str(price.amount_minor),
        "buyer_email": buyer_email,
        "buyer_id": str(buyer.pk) if buyer else "",
        "recipient_email": recipient_email,
        "message": message,
        "language": translation.get_language() or "",
    }
    name = ngettext("%(club)s: %(months)d month as a gift", "%(club)s: %(months)d months as a gift", months) % {
        "club": club.local_name,
        "months": months,
    }
    window = int(timezone.now().timestamp() // CHECKOUT_KEY_WINDOW_SECONDS)
    session = gateway.gift_checkout_session_create(
        customer_email=buyer_email,
        name=name,
        amount_minor=price.amount_minor,
        currency=price.currency,
        metadata=metadata,
        success_url=success_url,
        cancel_url=cancel_url,
        key=gateway.idempotency_key("gift", *sorted(metadata.items()), window),
    )
    return session.url


def _metadata_int(metadata: dict, key: str) -> int | None:
    value = str(metadata.get(key) or "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@transaction.atomic
def gift_from_checkout(*, session: dict) -> tuple[Gift | None, str]:
    """Create the gift a paid payment-mode Checkout Session sold (the same session twice: the same gift).

    Returns the gift (None when the session sold no gift of ours, or is not paid yet) and a note for the event log.
    """
    metadata = session.get("metadata") or {}
    if session.get("mode") != "payment" or metadata.get("gift") != "1":
        return None, "Not a gift checkout: ignored."
    if session.get("payment_status") != "paid":
        return None, "Gift checkout not paid yet: waits for its payment."
    existing = Gift.objects.filter(stripe_checkout_session_id=session["id"]).first()
    if existing is not None:
        return existing, f"Gift {existing.pk} already recorded."
    club = Club.objects.filter(pk=_metadata_int(metadata, "club_id") or 0).first()
    months = _metadata_int(metadata, "months")
    try:
        recipient_email = _email(metadata.get("recipient_email", ""), error="recipient")
        buyer_email = _email(
            metadata.get("buyer_email") or (session.get("customer_details") or {}).get("email", ""), error="buyer"
        )
    except GiftError:
        return None, "Gift checkout without valid email addresses: ignored."
    if club is None or months not in GIFT_MONTHS:
        return None, "Gift checkout of an unknown club or length: ignored."
    buyer = User.objects.filter(pk=_metadata_int(metadata, "buyer_id") or 0).first()
    try:
        with transaction.atomic():
            gift = Gift.objects.create(
                club=club,
                plan=Plan.objects.filter(pk=_metadata_int(metadata, "plan_id") or 0, club=club).first(),
                months=months,
                amount_minor=session.get("amount_total") or 0,
                currency=(session.get("currency") or "").upper(),
                buyer_email=buyer_email,
                buyer=buyer,
                recipient_email=recipient_email,
                message=str(metadata.get("message") or "")[:MESSAGE_MAX_LENGTH],
                language=str(metadata.get("language") or "")[:10],
                stripe_checkout_session_id=session["id"],
                stripe_payment_intent_id=session.get("payment_intent") or "",
                paid_at=from_timestamp(session.get("created")) or timezone.now(),
            )
    except IntegrityError:  # the same session processed concurrently
        gift = Gift.objects.get(stripe_checkout_session_id=session["id"])
        return gift, f"Gift {gift.pk} already recorded."
    from billing.growth_tasks import send_gift_email

    gift_pk = gift.pk
    transaction.on_commit(lambda: send_gift_email.delay(gift_pk))
    return gift, f"Gift {gift.pk} recorded: {months} months of {club.name}."


def gift_redeem_token(*, gift: Gift) -> str:
    return token_make(purpose=REDEEM_PURPOSE, parts=[gift.pk])


def gift_for_token(*, token: str) -> Gift | None:
    """The gift a redeem link names (None for a link we did not sign)."""
    try:
        (gift_pk,) = token_read(token, purpose=REDEEM_PURPOSE, shape=(int,))
    except BadToken:
        return None
    return Gift.objects.select_related("club").filter(pk=gift_pk).first()


def _redeem_url(gift: Gift) -> str:
    return settings.SITE_URL + reverse("billing:gift-redeem", args=[gift_redeem_token(gift=gift)])


def _recipient(gift: Gift) -> emails.Recipient:
    user = User.objects.filter(email__iexact=gift.recipient_email).first()
    if user is not None:
        from members.emails import recipient_for

        return recipient_for(user)
    return emails.Recipient(email=gift.recipient_email, language=gift.language or gift.club.default_language)


@transaction.atomic
def gift_email_send(*, gift_pk: int) -> bool:
    """Email the recipient their gift and its redeem link, once (the row is locked and marked)."""
    gift = Gift.objects.select_for_update(of=("self",)).select_related("club").filter(pk=gift_pk).first()
    if gift is None or gift.recipient_emailed_at is not None or gift.status != GiftStatus.PAID:
        return False
    emails.email_send(
        recipient=_recipient(gift),
        branding=branding_for(gift.club),
        category=emails.TRANSACTIONAL,
        subject_template="billing/email/gift_received_subject.txt",
        text_template="billing/email/gift_received.txt",
        html_template="billing/email/gift_received.html",
        context={"gift": gift, "club": gift.club, "redeem_url": _redeem_url(gift)},
    )
    gift.recipient_emailed_at = timezone.now()
    gift.save(update_fields=["recipient_emailed_at"])
    return True


@transaction.atomic
def gift_redeem(*, gift: Gift, user: User, now: datetime | None = None) -> Gift:
    """Give ``user`` complimentary access to the gift's club for the months bought; once per gift.

    Whoever holds the link may redeem it (a gift can be passed on); the months start now, or after the
    complimentary time the member already has. A member who still pays is refused: they would pay and be given
    the same months (clubs.services.membership_grant_complimentary says so).
    """
    now = now or timezone.now()
    gift = Gift.objects.select_for_update().select_related("club").get(pk=gift.pk)
    if gift.status == GiftStatus.REDEEMED:
        raise GiftError(_("This gift has already been redeemed."))
    if gift.status == GiftStatus.REFUNDED:
        raise GiftError(_("This gift was refunded and can no longer be redeemed."))
    before = Membership.objects.filter(user=user, club=gift.club).first()
    new_member = before is None or before.started_at is None
    start = now
    if before is not None and before.is_complimentary and (before.complimentary_until or now) > now:
        start = before.complimentary_until
    until = start + relativedelta(months=gift.months)
    try:
        membership = membership_grant_complimentary(
            user=user,
            club=gift.club,
            actor=user,
            reason=ngettext("Gift membership (%(months)d month)", "Gift membership (%(months)d months)", gift.months)
            % {"months": gift.months},
            until=until,
        )
    except DomainError as error:
        raise GiftError(str(error)) from error
    gift.status = GiftStatus.REDEEMED
    gift.redeemed_at = now
    gift.redeemed_by = user
    gift.membership = membership
    gift.new_member = new_member
    gift.access_until = until
    gift.save(update_fields=["status", "redeemed_at", "redeemed_by", "membership", "new_member", "access_until"])
    return gift


def gift_invites_due(*, now: datetime | None = None) -> list[int]:
    """Redeemed gifts whose access ends within a week and whose invitation has not gone out."""
    now = now or timezone.now()
    return list(
        Gift.objects.filter(
            status=GiftStatus.REDEEMED,
            invite_sent_at__isnull=True,
            access_until__gt=now,
            access_until__lte=now + INVITE_BEFORE_END,
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def gift_invite_send(*, gift_pk: int, now: datetime | None = None) -> bool:
    """Invite the recipient to subscribe before their gift ends, once; False when sent, not due or moot.

    Moot: the membership is no longer this gift's (another gift extended it, or they subscribed already).
    """
    now = now or timezone.now()
    gift = (
        Gift.objects.select_for_update(of=("self",))
        .select_related("club", "membership", "redeemed_by")
        .filter(pk=gift_pk)
        .first()
    )
    if gift is None or gift.invite_sent_at is not None or gift.status != GiftStatus.REDEEMED:
        return False
    if gift.access_until is None or not now < gift.access_until <= now + INVITE_BEFORE_END:
        return False
    membership = gift.membership
    if membership is None or not membership.is_complimentary or membership.complimentary_until != gift.access_until:
        gift.invite_sent_at = now  # nothing to invite to: marked, so it is not asked again
        gift.save(update_fields=["invite_sent_at"])
        return False
    from members.emails import recipient_for

    emails.email_send(
        recipient=recipient_for(gift.redeemed_by) if gift.redeemed_by else _recipient(gift),
        branding=branding_for(gift.club),
        category=emails.TRANSACTIONAL,
        subject_template="billing/email/gift_ending_subject.txt",
        text_template="billing/email/gift_ending.txt",
        html_template="billing/email/gift_ending.html",
        context={
            "gift": gift,
            "club": gift.club,
            "ends_at": gift.access_until,
            "join_url": settings.SITE_URL + gift.club.get_absolute_url(),
        },
    )
    gift.invite_sent_at = now
    gift.save(update_fields=["invite_sent_at"])
    return True


@transaction.atomic
def gift_refund(*, gift: Gift, actor: User, note: str) -> Gift:
    """Staff refund a gift nobody redeemed: the whole payment goes back, the redeem link stops working.

    A redeemed gift is refused: its months were given (end the complimentary membership and refund the invoice
    by hand if that is really meant). The audit log records who refunded it and why.
    """
    gift = Gift.objects.select_for_update().get(pk=gift.pk)
    if gift.status != GiftStatus.PAID:
        raise GiftError(_("Only a gift that has not been redeemed can be refunded."))
    if not gift.stripe_payment_intent_id:
        raise GiftError(_("This gift has no payment at Stripe to refund."))
    if not note.strip():
        raise GiftError(_("Say why the gift is refunded."))
    gateway.refund_create(
        payment_intent_id=gift.stripe_payment_intent_id,
        amount_minor=gift.amount_minor,
        reason="requested_by_customer",
        metadata={"gift_id": str(gift.pk)},
        key=gateway.idempotency_key("gift-refund", gift.pk),
    )
    gift.status = GiftStatus.REFUNDED
    gift.refunded_at = timezone.now()
    gift.save(update_fields=["status", "refunded_at"])
    staff_action_record(
        actor=actor,
        action="gift.refund",
        target=gift,
        before={"status": GiftStatus.PAID},
        after={"status": GiftStatus.REFUNDED, "amount_minor": gift.amount_minor, "currency": gift.currency},
        note=note,
    )
    return gift
