"""Pause instead of cancel: a member stops paying for 1 to 3 months (as the club offers) and comes back by itself.

Stripe does the pausing: ``pause_collection`` with ``behavior=void`` and ``resumes_at``. The subscription stays
active at Stripe (the paused periods' invoices are voided), so a paused member is never past due, and Stripe
resumes collection at ``resumes_at`` with a ``customer.subscription.updated`` that ``subscription_apply`` mirrors
(``Subscription.pause_behavior`` / ``pause_resumes_at``). Nothing here waits for that event to give access back:
the access rule compares ``pause_resumes_at`` with now, and ``pauses_catch_up`` re-reads a pause Stripe should
have ended, in case its event never came.

Access while paused is the club's rule (``BillingSettings.paused_keep_access``, default off): without it a paused
member is left out of ``MembershipQuerySet.with_access`` (``paused_without_access``, registered in
``BillingConfig.ready()``). A week before it resumes the member is reminded, once per pause.
"""

import logging
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import gateway
from billing.exceptions import BillingError
from billing.models import TERMINAL_SUBSCRIPTION_STATUSES, BillingSettings, Subscription, SubscriptionStatus
from billing.services.subscriptions import current_subscription, subscription_apply
from clubs.emails import branding_for
from clubs.models import Club, Membership
from core import emails
from members.emails import recipient_for

logger = logging.getLogger(__name__)

PAUSE_REMINDER_BEFORE = timedelta(days=7)
DEFAULT_PAUSE_MONTHS = [1, 2, 3]


def club_billing_settings(*, club: Club) -> BillingSettings:
    """The club's billing settings, or the defaults (unsaved) when it never chose any."""
    found = BillingSettings.objects.filter(club=club).first()
    return found if found is not None else BillingSettings(club=club)


def paused_filter(now: datetime) -> Q:
    """Subscriptions whose collection is paused at ``now`` (the same test as ``Subscription.is_paused``)."""
    return (
        Q(pause_behavior__gt="")
        & ~Q(status__in=TERMINAL_SUBSCRIPTION_STATUSES)
        & (Q(pause_resumes_at__isnull=True) | Q(pause_resumes_at__gt=now))
    )


def paused_without_access(now: datetime) -> Q:
    """On Membership: paused now, in a club that gives paused members no access (the access rule excludes these)."""
    paused = Subscription.objects.filter(paused_filter(now), membership=OuterRef("pk"))
    keeps = BillingSettings.objects.filter(club=OuterRef("club"), paused_keep_access=True)
    return Q(Exists(paused)) & ~Q(Exists(keeps))


def pause_refusal(*, membership: Membership, subscription: Subscription) -> str:
    """Why this membership cannot pause now ('' when it can); reads nothing beyond the two rows given."""
    try:
        _pausable_check(membership=membership, subscription=subscription)
    except BillingError as error:
        return str(error)
    return ""


def _pausable(*, membership: Membership) -> Subscription:
    """The subscription to pause, or BillingError saying why this membership cannot pause."""
    subscription = None if membership.is_complimentary else current_subscription(membership=membership)
    _pausable_check(membership=membership, subscription=subscription)
    return subscription


def _pausable_check(*, membership: Membership, subscription: Subscription | None) -> None:
    if membership.is_complimentary:
        raise BillingError(_("This membership is a gift: there are no payments to pause."))
    if subscription is None or subscription.status in TERMINAL_SUBSCRIPTION_STATUSES:
        raise BillingError(_("This membership has no running subscription."))
    if subscription.is_paused():
        raise BillingError(_("Your membership is already paused."))
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise BillingError(_("Only a membership with its payments up to date can be paused."))
    if subscription.cancel_at_period_end:
        raise BillingError(_("Your membership is set to end: resume it first, then you can pause it."))


def pause_resumes_at(*, months: int, now: datetime | None = None) -> datetime:
    """The same day and time ``months`` calendar months on (31 January + 1 month: the last day of February)."""
    return (now or timezone.now()) + relativedelta(months=months)


def subscription_pause(*, membership: Membership, months: int, now: datetime | None = None) -> Subscription:
    """Pause the member's payments for ``months`` months (one of the lengths the club offers).

    Why through Stripe, not only here: Stripe must not charge the paused periods, and it resumes collection by
    itself on the date, even if this site is down that day.
    """
    offered = club_billing_settings(club=membership.club).pause_months
    if months not in offered:
        raise BillingError(_("Please choose one of the pause lengths the club offers."))
    subscription = _pausable(membership=membership)
    resumes_at = pause_resumes_at(months=months, now=now)
    response = gateway.subscription_pause_collection(
        subscription_id=subscription.stripe_subscription_id, resumes_at=int(resumes_at.timestamp())
    )
    paused, _note = subscription_apply(stripe_subscription=gateway.as_json(response), event_created=None)
    return paused


def subscription_unpause(*, membership: Membership) -> Subscription:
    """End the pause now: payments and (where the club withholds it) access resume at once."""
    subscription = current_subscription(membership=membership)
    if not subscription.is_paused():
        raise BillingError(_("Your membership is not paused."))
    response = gateway.subscription_pause_collection(
        subscription_id=subscription.stripe_subscription_id, resumes_at=None
    )
    resumed, _note = subscription_apply(stripe_subscription=gateway.as_json(response), event_created=None)
    return resumed


# --- Beat jobs ---------------------------------------------------------------------------------------


def pause_reminders_due(*, now: datetime | None = None) -> list[int]:
    """Subscriptions resuming within a week whose reminder for this pause has not gone out."""
    now = now or timezone.now()
    return list(
        Subscription.objects.filter(
            paused_filter(now), pause_resumes_at__lte=now + PAUSE_REMINDER_BEFORE, pause_resumes_at__isnull=False
        )
        .exclude(pause_reminded_for=F("pause_resumes_at"))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def pause_reminder_send(*, subscription_pk: int, now: datetime | None = None) -> bool:
    """Email "your membership resumes on ..." once per pause; False when already sent or no longer due.

    The row is locked and ``pause_reminded_for`` records which pause the email was for, so a retried or doubled
    task sends it once, and a second pause later gets its own reminder.
    """
    now = now or timezone.now()
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("membership__club", "membership__user")
        .filter(pk=subscription_pk)
        .first()
    )
    if subscription is None or not subscription.is_paused(now) or subscription.pause_resumes_at is None:
        return False
    if subscription.pause_reminded_for == subscription.pause_resumes_at:
        return False
    if subscription.pause_resumes_at > now + PAUSE_REMINDER_BEFORE:
        return False
    membership = subscription.membership
    club = membership.club
    emails.email_send(
        recipient=recipient_for(membership.user),
        branding=branding_for(club),
        category=emails.TRANSACTIONAL,
        subject_template="billing/email/pause_ending_subject.txt",
        text_template="billing/email/pause_ending.txt",
        html_template="billing/email/pause_ending.html",
        context={
            "user": membership.user,
            "club": club,
            "subscription": subscription,
            "resumes_at": subscription.pause_resumes_at,
            "billing_url": settings.SITE_URL + reverse("billing:club-billing", args=[club.slug]),
        },
    )
    subscription.pause_reminded_for = subscription.pause_resumes_at
    subscription.save(update_fields=["pause_reminded_for", "updated_at"])
    return True


def pauses_catch_up(*, now: datetime | None = None) -> int:
    """Re-read from Stripe every pause that should have ended: its resume event may never have come.

    Access has returned already (the rule compares the date); this brings the mirror back in line. Returns how
    many were re-read; one that Stripe cannot answer for now is left for the next run.
    """
    now = now or timezone.now()
    ended = Subscription.objects.filter(pause_behavior__gt="", pause_resumes_at__lte=now).exclude(
        status__in=TERMINAL_SUBSCRIPTION_STATUSES
    )
    count = 0
    for stripe_id in ended.values_list("stripe_subscription_id", flat=True):
        try:
            stripe_subscription = gateway.as_json(gateway.subscription_retrieve(subscription_id=stripe_id))
        except gateway.GatewayError:
            logger.warning("Paused subscription %s could not be re-read from Stripe; next run.", stripe_id)
            continue
        subscription_apply(stripe_subscription=stripe_subscription, event_created=None)
        count += 1
    return count
