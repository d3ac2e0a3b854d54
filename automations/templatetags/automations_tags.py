"""Small pieces other apps' pages include: the member's referral card and the referral landing note."""

from django import template

from automations.selectors import automation_settings_for, referral_joined_exists
from automations.services.referrals import SESSION_REFERRALS

register = template.Library()


@register.inclusion_tag("automations/_referral_card.html", takes_context=True)
def referral_card(context, club):
    """On the club home: a link to the member's referral page, when the club runs referrals and the member has
    not yet brought a friend who joined (then the banner has done its work; the referral page stays in the menu)."""
    request = context.get("request")
    config = automation_settings_for(club=club)
    user = getattr(request, "user", None)
    show = config.referrals_enabled and not (
        user is not None and user.is_authenticated and referral_joined_exists(club=club, user=user)
    )
    return {"club": club, "config": config, "request": request, "show": show}


@register.inclusion_tag("automations/_referral_landing.html", takes_context=True)
def referral_landing_note(context, club):
    """On the club page, for a visitor who came through a member's link: the discount waiting at checkout."""
    request = context.get("request")
    code = (request.session.get(SESSION_REFERRALS) or {}).get(str(club.pk)) if request is not None else None
    config = automation_settings_for(club=club) if code else None
    return {"club": club, "show": bool(code and config.referrals_enabled), "config": config}
