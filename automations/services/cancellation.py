"""Why members cancel, and the club's save offer.

The save offer (the next period at a discount, a one-time Stripe coupon on the running subscription) is shown
at most once per billing period: the ``SaveOffer`` row is unique per membership and period end, and is created
when the offer is first shown. Reasons are stored as ``CancellationFeedback`` for the club and the analytics.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from automations.exceptions import AutomationError
from automations.models import CancellationFeedback, CancellationReason, SaveOffer, SaveOfferStatus
from automations.selectors import automation_settings_for
from billing import gateway
from billing.exceptions import BillingError
from billing.models import Subscription
from billing.services.subscriptions import (
    current_subscription,
    subscription_cancel_at_period_end,
    subscription_discount_apply,
)
from clubs.models import Membership


def _running_subscription(membership: Membership) -> Subscription | None:
    try:
        return current_subscription(membership=membership)
    except BillingError:
        return None


def save_offer_present(*, membership: Membership, now: datetime | None = None) -> SaveOffer | None:
    """The save offer to show now, or None: off, no running subscription, or already shown this period."""
    now = now or timezone.now()
    config = automation_settings_for(club=membership.club)
    subscription = _running_subscription(membership)
    if not config.save_offer_enabled or subscription is None or subscription.cancel_at_period_end:
        return None
    if subscription.current_period_end is None:
        return None
    offer, created = SaveOffer.objects.get_or_create(
        membership=membership,
        period_end=subscription.current_period_end,
        defaults={"club": membership.club, "percent_off": config.save_offer_percent, "shown_at": now},
    )
    return offer if created else None


def save_offer_accept(*, membership: Membership, now: datetime | None = None) -> SaveOffer:
    """The member stays: the discount goes on the running subscription's next invoice, once."""
    now = now or timezone.now()
    subscription = _running_subscription(membership)
    if subscription is None:
        raise AutomationError(_("This membership has no running subscription."))
    with transaction.atomic():
        offer = (
            SaveOffer.objects.select_for_update()
            .filter(membership=membership, period_end=subscription.current_period_end, status=SaveOfferStatus.SHOWN)
            .first()
        )
        if offer is None:
            raise AutomationError(_("This offer is no longer available."))
        coupon = gateway.coupon_create(
            name=f"{membership.club.name} stay {offer.percent_off}%",
            percent_off=offer.percent_off,
            metadata={"save_offer_id": str(offer.pk), "membership_id": str(membership.pk)},
            key=gateway.idempotency_key("save-offer-coupon", offer.pk),
        )
        # billing records the discount too, so the billing page and admin show the discounted next payment.
        subscription_discount_apply(membership=membership, coupon_id=coupon.id, percent_off=offer.percent_off)
        offer.status = SaveOfferStatus.ACCEPTED
        offer.stripe_coupon_id = coupon.id
        offer.decided_at = now
        offer.save(update_fields=["status", "stripe_coupon_id", "decided_at"])
    return offer


def membership_cancel_with_feedback(
    *, membership: Membership, reasons: list[str], comment: str = "", now: datetime | None = None
) -> CancellationFeedback:
    """Stop renewing (access lasts until the period ends) and keep why; a save offer on screen is declined."""
    now = now or timezone.now()
    unknown = set(reasons) - set(CancellationReason.values)
    if not reasons or unknown:
        raise AutomationError(_("Please choose at least one reason from the list."))
    subscription_cancel_at_period_end(membership=membership)
    with transaction.atomic():
        feedback = CancellationFeedback.objects.create(
            club=membership.club,
            membership=membership,
            user=membership.user,
            reasons=sorted(set(reasons)),
            comment=comment.strip()[:1000],
            plan=membership.plan,
            created_at=now,
        )
        SaveOffer.objects.filter(membership=membership, status=SaveOfferStatus.SHOWN).update(
            status=SaveOfferStatus.DECLINED, decided_at=now
        )
    return feedback
