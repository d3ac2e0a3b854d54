"""What automations adds to the journeys of the apps below it (registered in ``AutomationsConfig.ready()``).

Checkout (billing) gets a referral or comeback coupon; cancelling (billing) first asks why and shows the
club's save offer; the weekly offer-email cap (offers) counts the automations' offer emails too.
"""

from django.urls import reverse

from automations.models import AutomationSend, SendStatus
from automations.services.referrals import checkout_coupon_for
from billing.hooks import register_cancel_flow, register_checkout_coupon
from offers.cap import register_offer_email_source

# An automation send in these states never reached the member.
AUTOMATION_SEND_NOT_SENT = (SendStatus.FAILED, SendStatus.SKIPPED)


def register() -> None:
    register_checkout_coupon(checkout_coupon_for)
    register_cancel_flow(_ask_why_first)
    register_offer_email_source(_automation_offer_emails)


def _ask_why_first(*, membership) -> str:
    return reverse("automations:cancel-membership", args=[membership.club.slug])


def _automation_offer_emails(*, club, user, since):
    """Automation sends that are offers (win-back, upgrade nudges, birthday gifts) and reached the member."""
    return AutomationSend.objects.filter(club=club, user=user, is_offer=True, created_at__gte=since).exclude(
        status__in=AUTOMATION_SEND_NOT_SENT
    )
