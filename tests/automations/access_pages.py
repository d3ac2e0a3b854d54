"""Access-matrix rows for the automations app's URLs (collected by tests/test_access_matrix.py).

Leader pages answer 404 to everyone but the club's leaders and staff. The member's referral page behaves like
the member area. Cancelling belongs to one's own membership (404 otherwise); without a running subscription
it explains why on the billing page. Referral and email-click links work for everyone, signed in or not.
"""

from django.urls import reverse

from automations.services.delivery import CLICK_PURPOSE
from core.tokens import token_make
from tests.access import (
    LEADERS_ONLY,
    MEMBER_AREA,
    Page,
    club_billing,
    club_detail,
    club_home,
    everyone,
    own_membership_only,
)
from tests.automations.factories import AutomationSendFactory, ReferralCodeFactory
from tests.factories import MembershipFactory


def automations_url(name: str):
    return lambda club: reverse(f"automations:{name}", args=[club.slug])


def referral_link(club):
    return reverse("automations:referral-landing", args=[ReferralCodeFactory(club=club).code])


def click_link(club):
    send = AutomationSendFactory(membership=MembershipFactory(club=club))
    return reverse("automations:click", args=[token_make(purpose=CLICK_PURPOSE, parts=[send.pk, club_home(club)])])


PAGES = [
    Page("settings", automations_url("settings"), LEADERS_ONLY),
    Page("settings-post", automations_url("settings"), LEADERS_ONLY, method="post"),
    Page("inactive-members", automations_url("inactive-members"), LEADERS_ONLY),
    Page("my-referrals", automations_url("my-referrals"), MEMBER_AREA),
    Page("cancel-membership", automations_url("cancel-membership"), own_membership_only(club_billing)),
    Page("save-offer-accept", automations_url("save-offer-accept"), own_membership_only(club_billing), method="post"),
    Page("referral-landing", referral_link, everyone(club_detail)),
    Page("click", click_link, everyone(club_home)),
]


def preview_url(club):
    return reverse("automations:automation-preview", args=[club.slug, "welcome"])


PAGES += [
    Page("automation-preview", preview_url, LEADERS_ONLY),
    # An empty wording form is refused (no language): the page again, with the message.
    Page("automation-preview-post", preview_url, LEADERS_ONLY, method="post"),
    Page(
        "automation-preview-frame",
        lambda club: reverse("automations:automation-preview-frame", args=[club.slug, "welcome", "en"]),
        LEADERS_ONLY,
    ),
    # Without a language the test is refused with a message, back on the preview page.
    Page(
        "automation-test",
        lambda club: reverse("automations:automation-test", args=[club.slug, "welcome"]),
        {**LEADERS_ONLY, "leader": preview_url, "staff": preview_url},
        method="post",
    ),
]
