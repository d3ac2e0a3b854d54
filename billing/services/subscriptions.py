"""Customers, checkout, and applying Stripe's subscription state to memberships.

Ordering rule for webhook snapshots (events arrive late, twice, and out of order):
1. A snapshot from an event older than the newest one applied to that subscription
   (``Subscription.last_event_created``) is skipped: it describes the past.
2. A subscription in a terminal state (canceled, incomplete_expired) never leaves it: Stripe
   never reopens one, so a late "updated" cannot resurrect a deleted subscription.
3. Events from the same second are applied in arrival order (rule 2 still holds); the nightly
   reconciliation re-reads disagreeing subscriptions from Stripe and corrects any leftover.
Only the membership's newest subscription decides the membership's status.
"""

import time
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import gateway
from billing.exceptions import BillingError
from billing.models import (
    TERMINAL_SUBSCRIPTION_STATUSES,
    Invoice,
    StripeCustomer,
    StripePrice,
    Subscription,
    SubscriptionStatus,
)
from billing.services.catalog import active_price_for
from billing.services.events import from_timestamp
from clubs.models import Membership, MembershipStatus
from clubs.services import membership_transition
from members.models import User

MEMBERSHIP_STATUS_FOR = {
    SubscriptionStatus.INCOMPLETE: MembershipStatus.PENDING,
    SubscriptionStatus.TRIALING: MembershipStatus.TRIALING,
    SubscriptionStatus.ACTIVE: MembershipStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE: MembershipStatus.PAST_DUE,
    # Retries exhausted but not canceled: no new grace; access already ended with the first one.
    SubscriptionStatus.UNPAID: MembershipStatus.PAST_DUE,
    SubscriptionStatus.CANCELED: MembershipStatus.CANCELED,
    SubscriptionStatus.INCOMPLETE_EXPIRED: MembershipStatus.EXPIRED,
    SubscriptionStatus.PAUSED: MembershipStatus.EXPIRED,
}
CHECKOUT_KEY_WINDOW_SECONDS = 600


def customer_for_user(*, user: User) -> StripeCustomer:
    """The user's one Stripe customer, created on first need and reused for every club."""
    existing = StripeCustomer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    # The key makes a retried or concurrent create return the same Stripe customer.
    created = gateway.customer_create(
        email=user.email,
        name=user.public_name,
        metadata={"user_id": str(user.pk)},
        key=gateway.idempotency_key("customer", user.pk),
    )
    try:
        with transaction.atomic():
            return StripeCustomer.objects.create(user=user, stripe_customer_id=created.id, email=user.email)
    except IntegrityError:
        return StripeCustomer.objects.get(user=user)


def checkout_session_start(*, membership: Membership, success_url: str, cancel_url: str, coupon_id: str = "") -> str:
    """Open a Stripe Checkout Session (subscription mode) for a pending membership; returns its URL.

    ``coupon_id`` pre-applies a one-time discount (a referral or comeback offer, see automations); Stripe
    then refuses typed promotion codes on the same session.

    The session carries the membership id twice (client_reference_id and metadata) so the webhook
    can tie the payment back even when the account is shared with other products.
    """
    if membership.status not in (MembershipStatus.PENDING, MembershipStatus.CANCELED, MembershipStatus.EXPIRED):
        raise BillingError(_("This membership does not need a payment."))
    plan = membership.plan
    price = active_price_for(plan=plan)
    customer = customer_for_user(user=membership.user)
    reference = {"membership_id": str(membership.pk), "club_id": str(membership.club_id), "plan_id": str(plan.pk)}
    subscription_data: dict = {"metadata": reference}
    if plan.trial_days and not membership.subscriptions.exists():
        subscription_data["trial_period_days"] = plan.trial_days  # one trial per member and club
    params = {
        "mode": "subscription",
        "customer": customer.stripe_customer_id,
        "client_reference_id": str(membership.pk),
        "line_items": [{"price": price.stripe_price_id, "quantity": 1}],
        "allow_promotion_codes": True,
        "subscription_data": subscription_data,
        "metadata": reference,
        "success_url": success_url + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": cancel_url,
    }
    key_parts: list = [membership.pk, plan.pk]
    if coupon_id:
        del params["allow_promotion_codes"]
        params["discounts"] = [{"coupon": coupon_id}]
        key_parts.append(coupon_id)
    # A double click within the window gets the same session rather than a second one; once a
    # checkout has produced a subscription, the count changes and a rejoin gets a fresh session.
    window = int(time.time() // CHECKOUT_KEY_WINDOW_SECONDS)
    attempt = membership.subscriptions.count()
    session = gateway.checkout_session_create(
        params=params, key=gateway.idempotency_key("checkout", *key_parts, attempt, window)
    )
    return session.url


def _period(stripe_subscription: dict) -> tuple[datetime | None, datetime | None]:
    items = (stripe_subscription.get("items") or {}).get("data") or []
    if not items:
        return None, None
    return from_timestamp(items[0].get("current_period_start")), from_timestamp(items[0].get("current_period_end"))


def _price_of(stripe_subscription: dict) -> dict:
    items = (stripe_subscription.get("items") or {}).get("data") or []
    return (items[0].get("price") or {}) if items else {}


def _lock_membership_of(stripe_subscription: dict) -> Membership | None:
    """Lock the membership this subscription belongs to: our mirror row if we have one, else its metadata.

    Every writer of a subscription takes the membership lock first, then the subscription's: one lock order,
    so two workers applying events of the same subscription queue up instead of deadlocking, and the first
    two events of a new subscription (created, updated) never both insert it.
    """
    stripe_id = stripe_subscription["id"]
    known = Subscription.objects.filter(stripe_subscription_id=stripe_id).values_list("membership_id", flat=True)
    membership_id = known.first() or (stripe_subscription.get("metadata") or {}).get("membership_id", "")
    if not str(membership_id).isdigit():
        return None
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("club", "plan")
        .filter(pk=int(membership_id))
        .first()
    )


@transaction.atomic
def subscription_apply(*, stripe_subscription: dict, event_created: datetime | None) -> tuple[Subscription | None, str]:
    """Mirror one Stripe subscription snapshot and move the membership accordingly (rules above).

    ``event_created`` is None for an object just read from Stripe's API: that is the truth now, so
    rule 1 does not apply and the newest-event mark is left for the webhooks to advance.
    Returns the local subscription (None when it is not this site's) and a note for the event log.
    """
    stripe_id = stripe_subscription["id"]
    membership = _lock_membership_of(stripe_subscription)
    local = Subscription.objects.select_for_update().filter(stripe_subscription_id=stripe_id).first()
    if local is None:
        customer = StripeCustomer.objects.filter(stripe_customer_id=stripe_subscription.get("customer")).first()
        if membership is None or customer is None or customer.user_id != membership.user_id:
            return None, "Subscription of another product or customer: ignored."
        local = Subscription(stripe_subscription_id=stripe_id, membership=membership, customer=customer)
    elif event_created and local.last_event_created and event_created < local.last_event_created:
        return local, "Older than the state already applied: skipped."
    incoming = stripe_subscription["status"]
    if local.status in TERMINAL_SUBSCRIPTION_STATUSES and incoming != local.status:
        return local, f"Subscription already {local.status}: a late {incoming} snapshot is skipped."

    price = _price_of(stripe_subscription)
    known_price = StripePrice.objects.select_related("plan").filter(stripe_price_id=price.get("id", "")).first()
    local.status = incoming
    local.cancel_at_period_end = bool(stripe_subscription.get("cancel_at_period_end"))
    local.current_period_start, local.current_period_end = _period(stripe_subscription)
    local.trial_end = from_timestamp(stripe_subscription.get("trial_end"))
    local.canceled_at = from_timestamp(stripe_subscription.get("canceled_at"))
    local.ended_at = from_timestamp(stripe_subscription.get("ended_at"))
    local.stripe_price_id = price.get("id", "")
    local.amount_minor = price.get("unit_amount") or 0
    local.currency = (price.get("currency") or "").upper()
    local.plan = known_price.plan if known_price else local.plan
    local.stripe_created = from_timestamp(stripe_subscription.get("created"))
    if event_created:
        local.last_event_created = max(filter(None, [local.last_event_created, event_created]))
    local.save()
    # Invoices that arrived before their subscription are linked now.
    Invoice.objects.filter(stripe_subscription_id=stripe_id, subscription__isnull=True).update(subscription=local)
    _membership_follow(local, at=event_created or timezone.now())
    return local, f"Subscription {incoming}."


def _membership_follow(subscription: Subscription, *, at: datetime) -> None:
    """The membership reflects its newest subscription only (a rejoin starts a new one)."""
    membership = Membership.objects.select_for_update().select_related("club").get(pk=subscription.membership_id)
    newest = membership.subscriptions.order_by("-stripe_created", "-pk").first()
    if newest is not None and newest.pk != subscription.pk:
        return
    membership.current_period_end = subscription.current_period_end
    if subscription.plan_id:
        membership.plan_id = subscription.plan_id
    membership.save(update_fields=["current_period_end", "plan", "updated_at"])
    membership_transition(
        membership=membership,
        to_status=MEMBERSHIP_STATUS_FOR[SubscriptionStatus(subscription.status)],
        reason=f"Stripe subscription {subscription.stripe_subscription_id} is {subscription.status}",
        at=at,
    )


# --- What members (and staff) do with a running subscription --------------------------------


def current_subscription(*, membership: Membership) -> Subscription:
    subscription = membership.subscriptions.order_by("-stripe_created", "-pk").first()
    if subscription is None or subscription.status in TERMINAL_SUBSCRIPTION_STATUSES:
        raise BillingError(_("This membership has no running subscription."))
    return subscription


def _apply_response(stripe_subscription) -> Subscription:
    subscription, _note = subscription_apply(
        stripe_subscription=gateway.as_json(stripe_subscription), event_created=None
    )
    return subscription


def subscription_cancel_at_period_end(*, membership: Membership) -> Subscription:
    """Stop renewing; access lasts until the end of the period already paid for."""
    subscription = current_subscription(membership=membership)
    return _apply_response(
        gateway.subscription_update(
            subscription_id=subscription.stripe_subscription_id, params={"cancel_at_period_end": True}
        )
    )


def subscription_resume(*, membership: Membership) -> Subscription:
    subscription = current_subscription(membership=membership)
    if not subscription.cancel_at_period_end:
        raise BillingError(_("This membership is not set to end."))
    return _apply_response(
        gateway.subscription_update(
            subscription_id=subscription.stripe_subscription_id, params={"cancel_at_period_end": False}
        )
    )


def subscription_cancel_now(*, membership: Membership) -> Subscription:
    """Staff only: end the subscription and the access at once (refunds are separate)."""
    subscription = current_subscription(membership=membership)
    return _apply_response(gateway.subscription_cancel(subscription_id=subscription.stripe_subscription_id))


def _switch_items(stripe_subscription_id: str, price: StripePrice) -> list[dict]:
    stripe_subscription = gateway.as_json(gateway.subscription_retrieve(subscription_id=stripe_subscription_id))
    item_id = stripe_subscription["items"]["data"][0]["id"]
    return [{"id": item_id, "price": price.stripe_price_id}]


def subscription_switch_preview(*, membership: Membership, plan) -> dict:
    """What switching costs today (prorated) and what renews after, without changing anything."""
    subscription = current_subscription(membership=membership)
    if plan.club_id != membership.club_id or not plan.is_active or plan.pk == subscription.plan_id:
        raise BillingError(_("Please choose another plan of this club."))
    price = active_price_for(plan=plan)
    proration_date = int(time.time())
    preview = gateway.invoice_preview(
        params={
            "customer": subscription.customer.stripe_customer_id,
            "subscription": subscription.stripe_subscription_id,
            "subscription_details": {
                "items": _switch_items(subscription.stripe_subscription_id, price),
                "proration_date": proration_date,
                "proration_behavior": "always_invoice",
            },
        }
    )
    return {
        "amount_due_minor": preview.amount_due,
        "currency": preview.currency.upper(),
        "proration_date": proration_date,
        "plan": plan,
    }


def subscription_switch_plan(*, membership: Membership, plan, proration_date: int | None = None) -> Subscription:
    """Move to another plan now; the difference is prorated and invoiced at once (upsell to longer plans)."""
    subscription = current_subscription(membership=membership)
    if plan.club_id != membership.club_id or not plan.is_active or plan.pk == subscription.plan_id:
        raise BillingError(_("Please choose another plan of this club."))
    price = active_price_for(plan=plan)
    params = {
        "items": _switch_items(subscription.stripe_subscription_id, price),
        "proration_behavior": "always_invoice",
        "cancel_at_period_end": False,
    }
    if proration_date:
        params["proration_date"] = proration_date  # the same figure the member saw in the preview
    return _apply_response(
        gateway.subscription_update(subscription_id=subscription.stripe_subscription_id, params=params)
    )


def subscription_resync(*, subscription: Subscription) -> Subscription:
    """Read the subscription from Stripe and apply it: the fix when the mirror disagrees."""
    return _apply_response(gateway.subscription_retrieve(subscription_id=subscription.stripe_subscription_id))


def billing_portal_url(*, membership: Membership, return_url: str, update_card: bool = False) -> str:
    customer = customer_for_user(user=membership.user)
    flow = {"type": "payment_method_update"} if update_card else None
    return gateway.billing_portal_session_create(
        customer_id=customer.stripe_customer_id, return_url=return_url, flow=flow
    ).url
