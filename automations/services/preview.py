"""What an automation email looks like before any member gets it: a leader's preview and test.

A sample message (an unsaved AutomationSend addressed to the leader) goes through the same sender as the real
ones (``delivery.automation_email``), so the preview shows the templates, overrides, headers and footer the
members will get. Its links lead straight to the pages (there is no send to record a click for).
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from automations.models import OFFER_KINDS, AutomationKind, AutomationSend
from automations.selectors import automation_settings_for
from automations.services.delivery import automation_email
from clubs.models import Club, Membership
from core import email_preview
from members.models import User


def _sample_send(*, club: Club, leader: User, kind: str) -> AutomationSend:
    plans = list(club.plans.filter(is_active=True).order_by("order", "pk"))
    first_plan = plans[0] if plans else None
    config = automation_settings_for(club=club)
    send = AutomationSend(
        club=club,
        user=leader,
        kind=kind,
        membership=Membership(club=club, user=leader, plan=first_plan),
        is_offer=kind in OFFER_KINDS,
        trigger_at=timezone.now(),
    )
    if kind == AutomationKind.RENEWAL_REMINDER:
        send.context = {"renews_at": (timezone.now() + timedelta(days=7)).isoformat()}
    elif kind == AutomationKind.UPGRADE_NUDGE:
        send.context = {
            "from_plan_id": first_plan.pk if first_plan else None,
            "to_plan_id": plans[-1].pk if plans else None,
        }
    elif kind == AutomationKind.WIN_BACK:
        send.percent_off = config.win_back_stage1_percent
    elif kind == AutomationKind.BIRTHDAY:
        send.context = {"gift_offer_id": config.birthday_gift_offer_id}
    elif kind == AutomationKind.AFTER_EVENT:
        send.context = {"title": _("your last event")}
    return send


def automation_preview(*, club: Club, leader: User, kind: str, language: str):
    """The email members would get for ``kind``, in ``language``, addressed to the leader."""
    send = _sample_send(club=club, leader=leader, kind=kind)
    return automation_email(send, now=timezone.now(), language=language)


def automation_test_send(*, club: Club, leader: User, kind: str, language: str) -> None:
    """Send the leader the preview as a test (subject marked); raises EmailSuppressed for a suppressed address."""
    email_preview.send_test_copy(
        automation_preview(club=club, leader=leader, kind=kind, language=language), language=language
    )
