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
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

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
from billing.services.customers import customer_replace_deleted
from billing.services.events import from_timestamp
from billing.services.notifications import activation_email_enqueue
from clubs.models import Membership, MembershipStatus, Plan
from clubs.services import membership_transition
from core.formatting import format_date
from core.tokens import BadToken, token_make, token_read
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
    if existing is not None and existing.deleted_at is None:
        return existing
    if existing is not None:  # deleted at Stripe (customer.deleted): a new customer, same mirror row
        return customer_replace_deleted(customer=existing)
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
        "subscription_data": subscription_data,
        "metadata": reference,
        "success_url": success_url + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": cancel_url,
    }
    key_parts: list = [membership.pk, plan.pk]
    if coupon_id:
        params["discounts"] = [{"coupon": coupon_id}]
        key_parts.append(coupon_id)
    elif membership.club.accepts_promotion_codes:
        # Typed codes only where the club turned them on; Stripe then accepts only codes whose coupon applies
        # to this club's product (offer codes apply to their offer's product, other clubs' to theirs).
        params["allow_promotion_codes"] = True
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
    if not (stripe_subscription.get("discounts") or stripe_subscription.get("discount")):
        # The coupon was used up (duration once) or removed: the next payment is the full price again.
        local.discount_coupon_id, local.discount_percent_off, local.discount_amount_off_minor = "", None, None
    local.plan = known_price.plan if known_price else local.plan
    local.stripe_created = from_timestamp(stripe_subscription.get("created"))
    pause = stripe_subscription.get("pause_collection") or {}  # collection paused (billing/services/pause.py)
    local.pause_behavior, local.pause_resumes_at = pause.get("behavior") or "", from_timestamp(pause.get("resumes_at"))
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
    if membership.is_complimentary:
        # The club's gift decides access and dates; a paid subscription stopped for it ends without them.
        return
    membership.current_period_end = subscription.current_period_end
    membership.ends_at_period_end = subscription.cancel_at_period_end and subscription.status not in (
        TERMINAL_SUBSCRIPTION_STATUSES
    )
    if subscription.plan_id:
        membership.plan_id = subscription.plan_id
    membership.save(update_fields=["current_period_end", "ends_at_period_end", "plan", "updated_at"])
    from_status = membership.status
    membership_transition(
        membership=membership,
        to_status=MEMBERSHIP_STATUS_FOR[SubscriptionStatus(subscription.status)],
        reason=f"Stripe subscription {subscription.stripe_subscription_id} is {subscription.status}",
        at=at,
    )
    if membership.status != from_status:
        # Paid access began: "your membership is active", once for this activation (billing/services/notifications.py).
        activation_email_enqueue(status_change=membership.status_changes.order_by("-pk").first())


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
    if membership.is_complimentary:
        raise BillingError(_("This membership is a gift from the club: there is nothing to pay or resume."))
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


PLAN_SWITCH_PURPOSE = "billing.plan-switch"
# How long a preview's figure may be confirmed: long enough to read the page, too short to pick the past.
SWITCH_PREVIEW_MAX_AGE = timedelta(minutes=10)


@dataclass(frozen=True)
class SwitchPreview:
    """What the member confirms: today's prorated amount and what it does to their credit.

    ``token`` signs the moment the figure was computed for, bound to the member, their subscription and the
    target price: the confirmation charges at that moment or not at all (never at a date the request names).
    """

    plan: Plan
    currency: str
    amount_due_minor: int
    credit_created_minor: int
    credit_used_minor: int
    credit_after_minor: int
    proration_date: int
    token: str


def _switch_target(*, membership: Membership, plan: Plan) -> tuple[Subscription, StripePrice]:
    subscription = current_subscription(membership=membership)
    if plan.club_id != membership.club_id or not plan.is_active or plan.pk == subscription.plan_id:
        raise BillingError(_("Please choose another plan of this club."))
    return subscription, active_price_for(plan=plan)


def subscription_switch_preview(*, membership: Membership, plan: Plan) -> SwitchPreview:
    """What switching costs today (prorated), how much credit it creates or uses, without changing anything.

    The customer's balance is negative when Stripe holds credit: an invoice's total is first paid from it,
    and a negative total (a downgrade's unused time worth more than the new price) adds to it.
    """
    subscription, price = _switch_target(membership=membership, plan=plan)
    proration_date = int(time.time())
    preview = gateway.as_json(
        gateway.invoice_preview(
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
    )
    starting = preview.get("starting_balance") or 0
    total = preview.get("total") or 0
    credit_before = max(-starting, 0)
    credit_after = max(-(total + starting), 0)
    token = token_make(
        purpose=PLAN_SWITCH_PURPOSE,
        parts=[membership.pk, subscription.stripe_subscription_id, price.stripe_price_id, proration_date],
    )
    return SwitchPreview(
        plan=plan,
        currency=(preview.get("currency") or subscription.currency).upper(),
        amount_due_minor=preview.get("amount_due") or 0,
        credit_created_minor=max(credit_after - credit_before, 0),
        credit_used_minor=max(credit_before - credit_after, 0),
        credit_after_minor=credit_after,
        proration_date=proration_date,
        token=token,
    )


def _proration_date_from(token: str, *, membership: Membership, subscription: Subscription, price: StripePrice) -> int:
    """The moment the member's preview was computed for, if the token is theirs, for this switch, and fresh."""
    refused = BillingError(
        _("That price is out of date or was not for this switch. Check the amount below, then confirm again.")
    )
    try:
        membership_id, subscription_id, price_id, proration_date = token_read(
            token, purpose=PLAN_SWITCH_PURPOSE, shape=(int, str, str, int), max_age=SWITCH_PREVIEW_MAX_AGE
        )
    except BadToken as error:
        raise refused from error
    if (membership_id, subscription_id, price_id) != (
        membership.pk,
        subscription.stripe_subscription_id,
        price.stripe_price_id,
    ):
        raise refused
    if proration_date > time.time() + 60:
        raise refused
    return proration_date


def subscription_switch_plan(*, membership: Membership, plan: Plan, preview_token: str) -> Subscription:
    """Move to another plan now at the previewed figure; the difference is prorated and invoiced at once.

    The proration moment comes only from the server's signed preview (``preview_token``): a posted date would
    let a member on a yearly plan claim a whole year of unused time, switch back, and repeat.
    ``error_if_incomplete``: when the immediate invoice cannot be paid (a declined card), Stripe refuses the
    update and the subscription stays as it was, so nothing changes silently.
    """
    subscription, price = _switch_target(membership=membership, plan=plan)
    proration_date = _proration_date_from(preview_token, membership=membership, subscription=subscription, price=price)
    params = {
        "items": _switch_items(subscription.stripe_subscription_id, price),
        "proration_behavior": "always_invoice",
        "proration_date": proration_date,
        "payment_behavior": "error_if_incomplete",
        "cancel_at_period_end": False,
    }
    try:
        response = gateway.subscription_update(subscription_id=subscription.stripe_subscription_id, params=params)
    except gateway.CardDeclined as error:
        raise BillingError(
            _(
                "Your card was declined (%(reason)s), so your plan has not changed and nothing was charged. "
                "Update your card, then try again."
            )
            % {"reason": error}
        ) from error
    switched = _apply_response(response)
    customer_balance_refresh(customer=subscription.customer)
    return switched


# --- The customer's balance (credit) --------------------------------------------------------------


def customer_apply(*, stripe_customer: dict, event_created: datetime | None) -> StripeCustomer | None:
    """Mirror a Stripe customer's email and balance; a snapshot older than the balance we hold is skipped."""
    with transaction.atomic():
        customer = (
            StripeCustomer.objects.select_for_update().filter(stripe_customer_id=stripe_customer.get("id")).first()
        )
        if customer is None:
            return None
        customer.email = stripe_customer.get("email") or ""
        fields = ["email", "updated_at"]
        # Stripe stamps events in whole seconds: a read made now counts as this second, so an event of the
        # same second (a renewal right after a switch) is not taken for an older snapshot.
        as_of = event_created or timezone.now().replace(microsecond=0)
        if "balance" in stripe_customer and (customer.balance_as_of is None or as_of >= customer.balance_as_of):
            customer.balance_minor = stripe_customer.get("balance") or 0
            customer.balance_currency = (stripe_customer.get("currency") or customer.balance_currency or "").upper()
            customer.balance_as_of = as_of
            fields += ["balance_minor", "balance_currency", "balance_as_of"]
        customer.save(update_fields=fields)
        return customer


def customer_balance_refresh(*, customer: StripeCustomer) -> StripeCustomer | None:
    """Read the balance from Stripe now (after a switch) so the billing page shows the credit at once."""
    return customer_apply(
        stripe_customer=gateway.as_json(gateway.customer_retrieve(customer_id=customer.stripe_customer_id)),
        event_created=None,
    )


# --- Discounts on the running subscription (a save offer) -----------------------------------------


def subscription_discount_apply(
    *,
    membership: Membership,
    coupon_id: str,
    percent_off: Decimal | int | None = None,
    amount_off_minor: int | None = None,
) -> Subscription:
    """Put a coupon on the running subscription's next invoice and remember it for the billing page and admin.

    Stripe's subscription events carry only discount ids, so what the coupon takes off is recorded here,
    where it is applied; the mirror drops it when Stripe reports the subscription without discounts.
    """
    subscription = current_subscription(membership=membership)
    response = gateway.subscription_update(
        subscription_id=subscription.stripe_subscription_id, params={"discounts": [{"coupon": coupon_id}]}
    )
    local = _apply_response(response)
    Subscription.objects.filter(pk=local.pk).update(
        discount_coupon_id=coupon_id,
        discount_percent_off=None if percent_off is None else Decimal(percent_off),
        discount_amount_off_minor=amount_off_minor,
    )
    local.refresh_from_db()
    return local


# --- Complimentary access and a paid subscription (clubs/hooks.py) ---------------------------------

# A subscription that charges (or will charge) the member: trials charge at their end, past due retries.
CHARGING_STATUSES = (
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
    SubscriptionStatus.UNPAID,
)


def _charging_subscription(membership: Membership) -> Subscription | None:
    subscription = membership.subscriptions.order_by("-stripe_created", "-pk").first()
    if subscription is None or subscription.status not in CHARGING_STATUSES or subscription.cancel_at_period_end:
        return None
    return subscription


def paid_subscription_describe(*, membership: Membership) -> str:
    """Why complimentary access cannot simply be added: the member still pays ('' when they do not)."""
    subscription = _charging_subscription(membership)
    if subscription is None:
        return ""
    if subscription.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
        return _("an unpaid invoice that Stripe is still collecting (subscription %(id)s)") % {
            "id": subscription.stripe_subscription_id
        }
    return _("a paid subscription that renews on %(date)s (subscription %(id)s)") % {
        "date": format_date(subscription.current_period_end) or "—",
        "id": subscription.stripe_subscription_id,
    }


def paid_subscription_stop(*, membership: Membership) -> None:
    """Staff chose complimentary access over the paid subscription: it stops renewing at period end.

    The period already paid for is not refunded (staff can refund it separately); no further charge is made.
    An unpaid invoice is refused: Stripe would keep retrying it while the club gives the membership away.
    """
    subscription = _charging_subscription(membership)
    if subscription is None:
        return
    if subscription.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
        raise BillingError(_("This member has an unpaid invoice; void it or cancel the subscription in Stripe first."))
    _apply_response(
        gateway.subscription_update(
            subscription_id=subscription.stripe_subscription_id, params={"cancel_at_period_end": True}
        )
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
