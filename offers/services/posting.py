"""Leaders create and edit offers. A discount offer gets its Stripe coupon and promotion code here."""

import secrets
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from billing import gateway
from clubs.models import Club
from core.text import single_line
from members.images import as_prepared, delete_replaced_file_on_commit
from members.models import User
from notifications.services import notification_send
from offers.exceptions import OffersError
from offers.models import Audience, Offer, OfferKind
from offers.selectors import offer_audience

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
    "publish_at",
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
    """The offer's Stripe product, coupon and promotion code, each restricted to the offer's purpose.

    The coupon applies only to the offer's product (typed at a membership checkout, it takes nothing off); the
    code may be used as many times as the offer has units and ends with the offer. Stripe coupons and codes
    are immutable: a changed discount, quantity or end gets a new code and the old one is switched off.
    Each member's checkout pre-applies a code of the same coupon bound to that member (``redemptions.py``).
    """
    metadata = {"offer_id": str(offer.pk), "club_id": str(offer.club_id)}
    if not offer.stripe_product_id:
        product = gateway.product_create(
            name=offer.title, metadata=metadata, key=gateway.idempotency_key("offer-product", offer.pk)
        )
        offer.stripe_product_id = product.id
    discount = f"pct{offer.percent_off}" if offer.percent_off else f"amt{offer.amount_off_minor}{offer.currency}"
    marker = f"{offer.pk}:{discount}:{offer.stripe_product_id}"
    coupon = gateway.coupon_create_for_product(
        name=offer.title,
        product_id=offer.stripe_product_id,
        metadata=metadata,
        key=gateway.idempotency_key("offer-coupon", marker),
        percent_off=offer.percent_off,
        amount_off_minor=offer.amount_off_minor,
        currency=offer.currency,
    )
    code = f"{slugify(offer.club.slug)[:12].upper()}-{secrets.token_hex(3).upper()}"
    expires_at = int(offer.valid_until.timestamp()) if offer.valid_until else None
    promotion = gateway.promotion_code_create_restricted(
        coupon_id=coupon.id,
        code=code,
        metadata=metadata,
        max_redemptions=offer.quantity_limit,
        expires_at=expires_at,
        key=gateway.idempotency_key("offer-promo", marker, code),
    )
    if offer.stripe_promotion_code_id:
        gateway.promotion_code_deactivate(promotion_code_id=offer.stripe_promotion_code_id)
    offer.stripe_coupon_id, offer.stripe_promotion_code_id, offer.promotion_code = coupon.id, promotion.id, code


def _new_offer_notify(offer: Offer, *, actor_id: int | None, now: datetime | None = None) -> None:
    """The bell of each member in the offer's audience, once per offer, from the moment members can see it.

    A scheduled offer (publish_at or valid_from ahead) is told by ``offers_notify_newly_visible``, which beat
    runs every few minutes, once it becomes visible.
    """
    if offer.is_visible_to_members(now):
        notification_send(
            kind="offer_new",
            user_ids=offer_audience(offer=offer, now=now).values_list("user_id", flat=True),
            club=offer.club,
            params={"offer_id": offer.pk, "offer_title": offer.title},
            url=offer.get_absolute_url(),
            actor_id=actor_id,
            now=now,
        )


def _save_image(offer: Offer, image) -> None:
    """A PreparedImage from the form (or a raw upload, decoded here); the image it replaces goes on commit."""
    if image:
        delete_replaced_file_on_commit(offer, "image")
        prepared = as_prepared(image, sides=[OFFER_IMAGE_MAX_SIDE]).files[OFFER_IMAGE_MAX_SIDE]
        offer.image.save(prepared.name, prepared, save=False)


@transaction.atomic
def offer_create(*, club: Club, actor: User, data: dict, image=None) -> Offer:
    """Post an offer for the club's members (the form has validated each field on its own)."""
    offer = Offer(club=club, created_by=actor, currency=club.currency)
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(offer, field, data[field])
    offer.title = single_line(offer.title)  # the email's subject line
    _check(offer)
    offer.save()
    _save_image(offer, image)
    if offer.kind == OfferKind.DISCOUNT:
        try:
            _promotion_code_create(offer)
        except gateway.GatewayError as error:
            raise OffersError(_("Stripe could not create the discount code: %(error)s") % {"error": error}) from error
    offer.save()
    _new_offer_notify(offer, actor_id=offer.created_by_id)
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, data: dict, image=None) -> Offer:
    offer = Offer.objects.select_for_update(of=("self",)).select_related("club", "audience_plan").get(pk=offer.pk)
    before = (offer.kind, offer.percent_off, offer.amount_off_minor, offer.quantity_limit, offer.valid_until)
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(offer, field, data[field])
    offer.title = single_line(offer.title)  # the email's subject line
    _check(offer)
    _save_image(offer, image)
    changed = before != (offer.kind, offer.percent_off, offer.amount_off_minor, offer.quantity_limit, offer.valid_until)
    if offer.kind == OfferKind.DISCOUNT and (changed or not offer.stripe_promotion_code_id):
        try:
            _promotion_code_create(offer)
        except gateway.GatewayError as error:
            raise OffersError(_("Stripe could not create the discount code: %(error)s") % {"error": error}) from error
    offer.save()
    _new_offer_notify(offer, actor_id=offer.created_by_id)
    return offer


def offer_is_live(offer: Offer, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return offer.has_started(now) and not offer.is_expired(now)


@transaction.atomic
def offer_delete(*, offer: Offer) -> None:
    """Remove an offer nobody has bought, with its sends; its discount code stops working at Stripe.

    An offer with sales stays: its redemptions are the members' receipts (end it instead).
    """
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.redemptions.exists():
        raise OffersError(_("Members have redeemed this offer, so it stays on record. End it instead."))
    if offer.stripe_promotion_code_id:
        try:
            gateway.promotion_code_deactivate(promotion_code_id=offer.stripe_promotion_code_id)
        except gateway.GatewayError as error:
            raise OffersError(
                _("Stripe could not switch off the discount code: %(error)s") % {"error": error}
            ) from error
    if offer.image:
        delete_replaced_file_on_commit(offer, "image")
    offer.delete()


NEWLY_VISIBLE_WINDOW = timedelta(days=2)


def offers_notify_newly_visible(*, now: datetime | None = None) -> int:
    """Tell members about offers that became visible since they were saved (a scheduled ``publish_at`` or a later
    ``valid_from``): nothing else runs at that moment, and a save finds them still hidden.

    Looks back two days, so a beat or worker outage of up to that long delays the notice but loses none; an offer
    that already has its notifications is skipped (and notification_send stores each person's once anyway).
    """
    from django.db.models import Exists, OuterRef, Q
    from django.db.models.functions import Cast, Greatest

    from notifications.models import Notification

    now = now or timezone.now()
    told = Notification.objects.filter(kind="offer_new", key=Cast(OuterRef("pk"), models.CharField()))
    offers = (
        Offer.objects.filter(publish_at__lte=now, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .annotate(visible_since=Greatest("publish_at", "valid_from"))
        .filter(visible_since__gte=now - NEWLY_VISIBLE_WINDOW)
        .exclude(Exists(told))
        .select_related("club", "audience_plan")
    )
    count = 0
    for offer in offers:
        with transaction.atomic():
            _new_offer_notify(offer, actor_id=offer.created_by_id, now=now)
        count += 1
    return count
