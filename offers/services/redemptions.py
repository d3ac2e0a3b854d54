"""Members buy offers through Stripe Checkout; the webhook, not the redirect, records the sale.

The quantity limit holds under concurrent redemptions: a unit is reserved under a lock on the offer
before Checkout opens (paid units plus open reservations never exceed the limit), and the Checkout
session expires before the reservation does, so a late payment can never take a unit twice.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import gateway
from billing.services.subscriptions import customer_for_user
from clubs.models import Membership
from members.models import User
from offers.exceptions import OffersError, OfferUnavailable
from offers.models import UNITS_TAKEN, Offer, OfferKind, Redemption, RedemptionStatus

# Webhooks may arrive a little after Checkout closes; the unit stays held until then.
RESERVATION_GRACE = timedelta(minutes=5)


def _checkout_expiry(now: datetime) -> datetime:
    # Stripe accepts 30 minutes to 24 hours; a minute of margin for clock skew.
    return now + timedelta(minutes=max(settings.OFFER_RESERVATION_MINUTES, 30), seconds=60)


def _member_promotion_code(offer: Offer, redemption: Redemption, customer_id: str) -> str:
    """A code of the offer's coupon bound to this member's customer, used once, ending with the offer.

    Stripe lets a promotion code name one customer, so the code shown to all members cannot be bound; the one
    each checkout pre-applies is. '' for an offer that is not a discount.
    """
    if offer.kind != OfferKind.DISCOUNT or not offer.stripe_coupon_id:
        return ""
    promotion = gateway.promotion_code_create_restricted(
        coupon_id=offer.stripe_coupon_id,
        customer_id=customer_id,
        max_redemptions=1,
        expires_at=int(offer.valid_until.timestamp()) if offer.valid_until else None,
        metadata={"offer_id": str(offer.pk), "club_id": str(offer.club_id), "offer_redemption_id": str(redemption.pk)},
        key=gateway.idempotency_key("offer-member-promo", redemption.pk, offer.stripe_coupon_id),
    )
    return promotion.id


@transaction.atomic
def redemption_reserve(*, offer: Offer, user: User, now: datetime | None = None) -> Redemption:
    """Hold one unit for this member, or return the member's open reservation (a second click)."""
    now = now or timezone.now()
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    membership = Membership.objects.filter(user=user, club_id=offer.club_id).with_access(now).first()
    if membership is None:
        raise OffersError(_("Offers are for members with access to the club."))
    if not offer.has_started(now):
        raise OfferUnavailable(_("This offer has not started yet."))
    if offer.is_expired(now):
        raise OfferUnavailable(_("This offer has expired."))
    mine = Redemption.objects.filter(offer=offer, user=user)
    if mine.filter(status__in=UNITS_TAKEN).exists():
        raise OffersError(_("You have already redeemed this offer."))
    open_reservation = mine.filter(status=RedemptionStatus.RESERVED, reserved_until__gt=now).first()
    if open_reservation is not None:
        return open_reservation
    if offer.quantity_limit is not None:
        taken = (
            Redemption.objects.filter(offer=offer)
            .filter(Q(status__in=UNITS_TAKEN) | Q(status=RedemptionStatus.RESERVED, reserved_until__gt=now))
            .count()
        )
        if taken >= offer.quantity_limit:
            raise OfferUnavailable(_("Sorry, this offer is sold out."))
    return Redemption.objects.create(
        offer=offer,
        user=user,
        membership=membership,
        currency=offer.currency,
        reserved_until=_checkout_expiry(now) + RESERVATION_GRACE,
        created_at=now,
    )


def redemption_checkout_start(
    *, offer: Offer, user: User, success_url: str, cancel_url: str, now: datetime | None = None
) -> str:
    """Reserve a unit and open Stripe Checkout (payment mode); returns the Checkout URL.

    Stripe is called outside the offer lock so that a slow Stripe never holds up other members.
    """
    now = now or timezone.now()
    redemption = redemption_reserve(offer=offer, user=user, now=now)
    if redemption.checkout_url:
        return redemption.checkout_url
    offer = redemption.offer
    metadata = {
        "offer_redemption_id": str(redemption.pk),
        "offer_id": str(offer.pk),
        "club_id": str(offer.club_id),
        "user_id": str(user.pk),
    }
    try:
        customer = customer_for_user(user=user)
        session = gateway.payment_checkout_session_create(
            customer_id=customer.stripe_customer_id,
            name=offer.title,
            amount_minor=offer.price_minor,
            currency=offer.currency,
            metadata=metadata,
            success_url=success_url + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=cancel_url,
            expires_at=int(_checkout_expiry(now).timestamp()),
            key=gateway.idempotency_key("offer-redemption", redemption.pk),
            promotion_code_id=_member_promotion_code(offer, redemption, customer.stripe_customer_id),
            product_id=offer.stripe_product_id,
        )
    except gateway.GatewayError as error:
        Redemption.objects.filter(pk=redemption.pk, status=RedemptionStatus.RESERVED).update(
            status=RedemptionStatus.EXPIRED
        )
        raise OffersError(_("Payment could not start: %(error)s") % {"error": error}) from error
    Redemption.objects.filter(pk=redemption.pk).update(stripe_checkout_session_id=session.id, checkout_url=session.url)
    return session.url


def _redemption_of(stripe_session: dict) -> Redemption | None:
    """The redemption a payment-mode session was opened for (locked), or None when it is not ours."""
    reference = (stripe_session.get("metadata") or {}).get("offer_redemption_id", "")
    redemption = (
        Redemption.objects.select_for_update().filter(pk=int(reference)).first() if reference.isdigit() else None
    )
    if redemption is None or (
        redemption.stripe_checkout_session_id and redemption.stripe_checkout_session_id != stripe_session.get("id")
    ):
        return None
    return redemption


def _record_paid(redemption: Redemption, stripe_session: dict) -> None:
    redemption.status = RedemptionStatus.PAID
    redemption.paid_at = timezone.now()
    redemption.amount_minor = stripe_session.get("amount_total") or 0
    redemption.currency = (stripe_session.get("currency") or redemption.currency).upper()
    redemption.stripe_checkout_session_id = stripe_session.get("id") or redemption.stripe_checkout_session_id
    redemption.stripe_payment_intent_id = stripe_session.get("payment_intent") or ""
    redemption.save()


@transaction.atomic
def redemption_payment_confirm(*, stripe_session: dict) -> tuple[Redemption | None, str]:
    """checkout.session.completed (payment mode) of an offer: record the sale once.

    A delayed method (SEPA debit) completes Checkout unpaid: the redemption waits, its unit held, for
    checkout.session.async_payment_succeeded or ..._failed.
    """
    redemption = _redemption_of(stripe_session)
    if redemption is None:
        return None, "Checkout session of an unknown redemption: ignored."
    if redemption.status in (RedemptionStatus.PAID, RedemptionStatus.FAILED):
        return redemption, f"Redemption {redemption.pk} was already {redemption.status}."
    if stripe_session.get("payment_status") != "paid":
        if stripe_session.get("status") == "complete" and redemption.status != RedemptionStatus.PENDING:
            redemption.status = RedemptionStatus.PENDING
            redemption.stripe_checkout_session_id = stripe_session.get("id") or redemption.stripe_checkout_session_id
            redemption.stripe_payment_intent_id = stripe_session.get("payment_intent") or ""
            redemption.save()
            return redemption, f"Redemption {redemption.pk}: delayed payment on its way."
        return redemption, f"Redemption {redemption.pk}: checkout completed without payment yet."
    _record_paid(redemption, stripe_session)
    return redemption, f"Redemption {redemption.pk} paid."


@transaction.atomic
def redemption_async_payment_apply(*, stripe_session: dict, succeeded: bool) -> tuple[Redemption | None, str]:
    """checkout.session.async_payment_succeeded / ..._failed: the bank's answer on a delayed payment.

    Success records the sale; failure marks the redemption failed (the member sees it, staff filter by it)
    and gives its unit back. A paid redemption never goes back (Stripe sends one answer per payment).
    """
    redemption = _redemption_of(stripe_session)
    if redemption is None:
        return None, "Checkout session of an unknown redemption: ignored."
    if redemption.status in (RedemptionStatus.PAID, RedemptionStatus.FAILED):
        return redemption, f"Redemption {redemption.pk} was already {redemption.status}."
    if succeeded:
        _record_paid(redemption, stripe_session)
        return redemption, f"Redemption {redemption.pk} paid (delayed payment succeeded)."
    redemption.status = RedemptionStatus.FAILED
    redemption.stripe_checkout_session_id = stripe_session.get("id") or redemption.stripe_checkout_session_id
    redemption.save(update_fields=["status", "stripe_checkout_session_id"])
    return redemption, f"Redemption {redemption.pk}: delayed payment failed; the unit is released."
