"""What on club home automations' rows change: the referral card's settings, codes and referrals (core/pagecache.py).

Only those: the per-member send rows (``AutomationSend``) are written in bulk by the email jobs and shown on
no member page, so they bump nothing.
"""

from operator import attrgetter

from core import pagecache


def register() -> None:
    from automations.models import ClubAutomationSettings, Referral, ReferralCode

    for model in (ClubAutomationSettings, ReferralCode, Referral):
        pagecache.watch(model, section="automations", club_id=attrgetter("club_id"))
