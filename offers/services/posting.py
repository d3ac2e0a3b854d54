"""Leaders create and edit offers. A discount offer gets its Stripe coupon and promotion code here."""

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from billing import gateway
from clubs.models import Club
from members.images import normalised_image
from members.models import User
from offers.exceptions import OffersError
from offers.models import Audience, Offer, OfferKind

OFFER_IMAGE_MAX_SIDE = 1600
EDITABLE_FIELDS = (
    "title",
    "body",
    "kind",
    "price_minor",
    "percent_off",
    "amount_off_minor",
    "quantity_limit",
    "valid_from",
    "valid_until",
    "audience",
    "audience_plan",
    "audience_days",
    "audience_min_events",
)


def _check(offer: Offer) -> None:
    if offer.valid_until and offer.valid_until <= offer.valid_from:
        raise OffersError(_("An offer must end after it starts."))
    if offer.kind == OfferKind.DISCOUNT and not (offer.percent_off or offer.amount_off_minor):
        raise OffersError(_("A discount needs a percent or an amount off."))
    if offer.kind == OfferKind.DISCOUNT and offer.amount_off_minor and offer.amount_off_minor >= offer.price_minor:
        raise OffersError(_("The amount off must be less than the regular price."))
    if offer.audience_plan_id and offer.audience_plan.club_id != offer.club_id:
        raise OffersError(_("Choose a plan of this club."))
    if offer.audience == Audience.PLAN and not offer.audience_plan_id:
        raise OffersError(_("Choose the plan whose members get this offer."))
    if offer.audience in (Audience.MEMBERSHIP_AGE, Audience.INACTIVE) and not offer.audience_days:
        raise OffersError(_("Say how many days."))
    if offer.audience == Audience.ATTENDED and not offer.audience_min_events:
        raise OffersError(_("Say how many events."))


def _promotion_code_create(offer: Offer) -> None:
    """One coupon per discount (Stripe coupons are immutable): a changed discount gets a new code."""
    discount = f"pct{offer.percent_off}" if offer.percent_off else f"amt{offer.amount_off_minor}{offer.currency}"
    marker = f"{offer.pk}:{discount}"
    metadata = {"offer_id": str(offer.pk), "club_id": str(offer.club_id)}
    coupon = gateway.coupon_create(
        name=offer.title,
        metadata=metadata,
        key=gateway.idempotency_key("offer-coupon", marker),
        percent_off=offer.percent_off,
        amount_off_minor=offer.amount_off_minor,
        currency=offer.currency,
    )
    code = f"{slugify(offer.club.slug)[:12].upper()}-{secrets.token_hex(3).upper()}"
    promotion = gateway.promotion_code_create(
        coupon_id=coupon.id, code=code, metadata=metadata, key=gateway.idempotency_key("offer-promo", marker, code)
    )
    offer.stripe_coupon_id, offer.stripe_promotion_code_id, offer.promotion_code = coupon.id, promotion.id, code


def _save_image(offer: Offer, image) -> None:
    if image:
        offer.image.save(image.name, normalised_image(image, max_side=OFFER_IMAGE_MAX_SIDE), save=False)


@transaction.atomic
def offer_create(*, club: Club, actor: User, data: dict, image=None) -> Offer:
    """Post an offer for the club's members (the form has validated each field on its own)."""
    offer = Offer(club=club, created_by=actor, currency=club.currency)
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(offer, field, data[field])
    _check(offer)
    offer.save()
    _save_image(offer, image)
    if offer.kind == OfferKind.DISCOUNT:
        try:
            _promotion_code_create(offer)
        except gateway.GatewayError as error:
            raise OffersError(_("Stripe could not create the discount code: %(error)s") % {"error": error}) from error
    offer.save()
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, data: dict, image=None) -> Offer:
    offer = Offer.objects.select_for_update().select_related("club", "audience_plan").get(pk=offer.pk)
    before = (offer.kind, offer.percent_off, offer.amount_off_minor)
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(offer, field, data[field])
    _check(offer)
    _save_image(offer, image)
    changed = before != (offer.kind, offer.percent_off, offer.amount_off_minor)
    if offer.kind == OfferKind.DISCOUNT and (changed or not offer.stripe_promotion_code_id):
        try:
            _promotion_code_create(offer)
        except gateway.GatewayError as error:
            raise OffersError(_("Stripe could not create the discount code: %(error)s") % {"error": error}) from error
    offer.save()
    return offer


def offer_is_live(offer: Offer, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return offer.has_started(now) and not offer.is_expired(now)
