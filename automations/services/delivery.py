"""Sending one claimed automation message, after the claim committed, at most once.

The row moves pending -> sending by a conditional UPDATE before anything leaves, so two workers (or a retried
task) can never both hand the same message to the mail server. Preferences and suppression are read again at
sending time: a member who opted out after the claim gets nothing.
"""

from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from automations.models import AutomationKind, AutomationSend, AutomationWording, SendStatus
from automations.selectors import PREFERENCE_FOR
from automations.wording import wording_fill
from billing import gateway
from clubs.emails import branding_for
from clubs.models import Plan
from clubs.pricing import plan_pricing
from core import emails
from core.formatting import format_date, format_number
from core.money import format_money
from core.tokens import token_make
from members.emails import links_for, preferences_url, recipient_for
from members.services import email_is_suppressed

SUBJECTS = {
    AutomationKind.WELCOME: _("Welcome to %(club)s"),
    AutomationKind.WELCOME_NUDGE: _("Your first week in %(club)s"),
    AutomationKind.RENEWAL_REMINDER: _("Your %(club)s membership renews soon"),
    AutomationKind.UPGRADE_NUDGE: _("Save with a longer %(club)s plan"),
    AutomationKind.INACTIVITY: _("We miss you at %(club)s"),
    AutomationKind.WIN_BACK: _("Come back to %(club)s: %(percent)s%% off"),
    AutomationKind.BIRTHDAY: _("Happy birthday from %(club)s"),
    AutomationKind.AFTER_EVENT: _("Share what you achieved at %(club)s"),
}


def _site(path: str) -> str:
    return settings.SITE_URL + path


# Signed into every tracked link of an automation email (core/tokens.py): the send and a path on this site.
CLICK_PURPOSE = "automations.click"


def tracked_url(send: AutomationSend, path: str) -> str:
    """An absolute link that records the click, then leads to ``path`` on this site."""
    if send.pk is None:  # a leader's preview or test (automations/services/preview.py): nothing to record
        return _site(path)
    return _site(reverse("automations:click", args=[token_make(purpose=CLICK_PURPOSE, parts=[send.pk, path])]))


def _upcoming_events(club, now: datetime, limit: int) -> list:
    from events.selectors import occurrences_next_for_club_home

    return occurrences_next_for_club_home(club=club, now=now, limit=limit)


def _card_expires_before(send: AutomationSend, moment: datetime) -> bool:
    """Whether the card that will be charged expires before ``moment`` (false when Stripe cannot say)."""
    from billing.models import StripeCustomer

    card_expiry = getattr(gateway, "customer_card_expiry", None)
    customer = StripeCustomer.objects.filter(user=send.user).first()
    if card_expiry is None or customer is None:
        return False
    try:
        expiry = card_expiry(customer_id=customer.stripe_customer_id)
    except gateway.GatewayError:
        return False
    if expiry is None:
        return False
    year, month = expiry
    # A card is valid through the last day of its expiry month.
    return (year, month) < (moment.year, moment.month)


def _context(send: AutomationSend, now: datetime) -> dict:
    club, user, kind = send.club, send.user, send.kind
    slug = club.slug
    context = {
        "send": send,
        "kind": kind,
        "user": user,
        "club": club,
        "preferences_url": _site(reverse("members:profile")),
        "club_home_url": tracked_url(send, reverse("clubs:club-home", args=[slug])),
        "share_url": tracked_url(send, reverse("feed:achievement-create", args=[slug])),
        "events_url": tracked_url(send, reverse("events:event-list", args=[slug])),
    }
    if kind in (AutomationKind.WELCOME, AutomationKind.WELCOME_NUDGE, AutomationKind.INACTIVITY):
        context["events"] = _upcoming_events(club, now, 1 if kind == AutomationKind.WELCOME else 3)
        context["cta_url"] = context["events_url"] if kind != AutomationKind.WELCOME else context["share_url"]
    elif kind == AutomationKind.RENEWAL_REMINDER:
        membership = send.membership
        renews_at = datetime.fromisoformat(send.context["renews_at"])
        subscription = (
            membership.subscriptions.order_by("-stripe_created", "-pk").first()
            if membership and membership.pk
            else None
        )
        plan = membership.plan if membership else None
        context.update(
            renews_at=renews_at,
            plan=plan,
            amount_minor=subscription.amount_minor if subscription and subscription.amount_minor else plan.price_minor,
            currency=(subscription.currency if subscription and subscription.currency else plan.currency),
            card_expiring=_card_expires_before(send, renews_at),
            cta_url=tracked_url(send, reverse("billing:club-billing", args=[slug])),
        )
    elif kind == AutomationKind.UPGRADE_NUDGE:
        plans = list(club.plans.filter(is_active=True).order_by("order", "pk"))
        target = next((item for item in plan_pricing(plans) if item.plan.pk == send.context["to_plan_id"]), None)
        current = Plan.objects.filter(pk=send.context["from_plan_id"]).first()
        context.update(
            target=target,
            current_plan=current,
            cta_url=tracked_url(send, reverse("billing:plan-switch", args=[slug, send.context["to_plan_id"]])),
        )
    elif kind == AutomationKind.WIN_BACK:
        context.update(percent_off=send.percent_off, cta_url=tracked_url(send, club.get_absolute_url()))
    elif kind == AutomationKind.BIRTHDAY:
        offer = None
        if send.context.get("gift_offer_id"):
            from offers.models import Offer

            offer = Offer.objects.filter(pk=send.context["gift_offer_id"], club=club).first()
        context.update(
            gift=offer,
            cta_url=tracked_url(send, offer.get_absolute_url() if offer else reverse("clubs:club-home", args=[slug])),
        )
    elif kind == AutomationKind.AFTER_EVENT:
        context.update(event_title=send.context.get("title", ""), cta_url=context["share_url"])
    if send.is_offer:
        from offers.emails import unsubscribe_url

        context["unsubscribe_url"] = unsubscribe_url(club_id=club.pk, user_id=user.pk)
    return context


def automation_category(send: AutomationSend) -> str:
    """Offers-like kinds (counted in the cap) are offers; the renewal reminder is a service message about money
    about to be taken (transactional: no opt-out, though suppression still stops it, see _still_wanted)."""
    if send.kind == AutomationKind.RENEWAL_REMINDER:
        return emails.TRANSACTIONAL
    return emails.OFFERS if send.is_offer else emails.AUTOMATIONS


def _links(send: AutomationSend, context: dict, category: str) -> emails.Links:
    if category == emails.TRANSACTIONAL:
        return emails.Links()
    if category == emails.OFFERS:  # the club's offers unsubscribe, as the offers app's own emails
        return emails.Links(
            unsubscribe_url=context["unsubscribe_url"], preferences_url=preferences_url(category=emails.OFFERS)
        )
    return links_for(user=send.user, category=category, preference=PREFERENCE_FOR[send.kind] or "")


def _wording_values(send: AutomationSend, context: dict) -> dict:
    """What a leader's placeholders stand for (automations/wording.py), formatted in the active language."""
    values = {"name": send.user.public_name, "club": send.club.local_name}
    if send.kind == AutomationKind.RENEWAL_REMINDER:
        values.update(
            plan=context["plan"].local_name if context.get("plan") else "",
            date=format_date(context["renews_at"]),
            amount=format_money(context["amount_minor"], context["currency"]),
        )
    elif send.kind == AutomationKind.UPGRADE_NUDGE and context.get("target"):
        target = context["target"]
        values.update(
            plan=target.plan.local_name,
            price=format_money(target.plan.price_minor, target.plan.currency),
            saving=format_money(target.saving_minor, target.plan.currency),
            percent=format_number(target.saving_percent),
        )
    elif send.kind == AutomationKind.WIN_BACK:
        values["percent"] = format_number(send.percent_off or 0)
    elif send.kind == AutomationKind.AFTER_EVENT:
        values["event"] = context.get("event_title", "")
    return values


def automation_subject(send: AutomationSend) -> str:
    """The subject in the active language; numbers in its own digits (ar, fa)."""
    return SUBJECTS[send.kind] % {"club": send.club.local_name, "percent": format_number(send.percent_off or 0)}


def automation_email(send: AutomationSend, *, now: datetime, language: str = "") -> EmailMultiAlternatives:
    """Through the one pipeline (core/emails.py); raises EmailSuppressed for a suppressed address.

    ``language`` overrides the recipient's (a leader's preview in each language the club's members use).
    """
    user, club = send.user, send.club
    category = automation_category(send)
    language = language or user.preferred_language or club.default_language
    wording = AutomationWording.objects.filter(club=club, kind=send.kind, language=language).first()
    with translation.override(language), timezone.override(user.time_zone):
        context = _context(send, now)
        values = _wording_values(send, context)
        if wording and wording.opening:
            context["opening"] = wording_fill(wording.opening, kind=send.kind, values=values)
        subject = (
            wording_fill(wording.subject, kind=send.kind, values=values)
            if wording and wording.subject
            else automation_subject(send)
        )
    return emails.email_build(
        recipient=replace(recipient_for(user), language=language),
        branding=branding_for(club),
        category=category,
        subject=subject,
        text_template="automations/email/automation.txt",
        html_template="automations/email/automation.html",
        context=context,
        links=_links(send, context, category),
    )


def _still_wanted(send: AutomationSend) -> bool:
    preference = PREFERENCE_FOR[send.kind]
    if preference and not getattr(send.user, preference):
        return False
    return not email_is_suppressed(send.user.email)


def _win_back_coupon(send: AutomationSend) -> str:
    """The comeback discount as a one-time Stripe coupon, made once per message (idempotency key)."""
    if send.stripe_coupon_id:
        return send.stripe_coupon_id
    coupon = gateway.coupon_create(
        name=f"{send.club.name} comeback {send.percent_off}%",
        percent_off=send.percent_off,
        metadata={"automation_send_id": str(send.pk), "club_id": str(send.club_id), "kind": send.kind},
        key=gateway.idempotency_key("automation-coupon", send.pk),
    )
    AutomationSend.objects.filter(pk=send.pk).update(stripe_coupon_id=coupon.id)
    send.stripe_coupon_id = coupon.id
    return coupon.id


def _finish(send: AutomationSend, status: str, *, error: str = "", now: datetime | None = None) -> None:
    changes = {"status": status, "error": error[:255]}
    if status == SendStatus.SENT:
        changes["sent_at"] = now or timezone.now()
    AutomationSend.objects.filter(pk=send.pk, status=SendStatus.SENDING).update(**changes)


def automation_send_deliver(*, send_pk: int, now: datetime | None = None) -> str:
    """Send one claimed message; returns what happened. A second call for the same row does nothing."""
    now = now or timezone.now()
    taken = AutomationSend.objects.filter(pk=send_pk, status=SendStatus.PENDING).update(status=SendStatus.SENDING)
    if not taken:
        return "already handled"
    send = AutomationSend.objects.select_related("club", "user", "membership__plan").get(pk=send_pk)
    if not _still_wanted(send):
        _finish(send, SendStatus.SKIPPED, error="Opted out or suppressed before sending.")
        return "skipped"
    try:
        if send.kind == AutomationKind.WIN_BACK:
            _win_back_coupon(send)
        automation_email(send, now=now).send()
    except emails.EmailSuppressed:
        _finish(send, SendStatus.SKIPPED, error="Suppressed before sending.")
        return "skipped"
    except (gateway.GatewayError, OSError) as error:
        _finish(send, SendStatus.FAILED, error=str(error))
        return "failed"
    _finish(send, SendStatus.SENT, now=now)
    return "sent"


def pending_sends_retry(*, now: datetime | None = None) -> int:
    """Queue again sends claimed but never picked up (a worker lost before the on-commit task ran)."""
    from automations.tasks import deliver_automation_send

    now = now or timezone.now()
    stale = AutomationSend.objects.filter(Q(status=SendStatus.PENDING), created_at__lt=now - timedelta(hours=1))
    ids = list(stale.values_list("pk", flat=True)[:500])
    for pk in ids:
        deliver_automation_send.delay(pk)
    return len(ids)
