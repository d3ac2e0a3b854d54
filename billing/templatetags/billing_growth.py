"""``{% pause_panel membership subscription %}``: the pause offer or the running pause (billing page, cancel flow)."""

from django import template

from billing.models import TERMINAL_SUBSCRIPTION_STATUSES
from billing.services.pause import club_billing_settings, pause_refusal

register = template.Library()


@register.inclusion_tag("billing/_pause_panel.html")
def pause_panel(membership, subscription=None, *, in_cancel_flow: bool = False) -> dict:
    """Resume a running pause, or pause for one of the offered lengths; nothing when neither applies.

    ``subscription`` is the membership's newest one, already read by the page: at most one query here (the club's
    pause settings), and none when the membership has nothing to pause.
    """
    context = {"club": membership.club, "subscription": subscription, "paused": False, "months": []}
    context["in_cancel_flow"] = in_cancel_flow
    if subscription is None or subscription.status in TERMINAL_SUBSCRIPTION_STATUSES:
        return context
    if subscription.is_paused():
        settings = club_billing_settings(club=membership.club)
        return {**context, "paused": True, "keeps_access": settings.paused_keep_access}
    if pause_refusal(membership=membership, subscription=subscription):
        return context
    return {**context, "months": club_billing_settings(club=membership.club).pause_months}
