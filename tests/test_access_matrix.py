"""Every URL against every role: the one table later capabilities extend.

Each app adds its rows in ``tests/<app>/access_pages.py`` (a ``PAGES`` list built from ``tests/access.py``).
Another club's objects answer 404 (never 403), so their existence does not leak.
"""

import pytest
from django.urls import get_resolver, reverse

from tests.access import (
    CHECKOUT,
    LEADERS_ONLY,
    LOGIN,
    MEMBER_AREA,
    MFA_SETUP,
    Page,
    allauth_entrance,
    billing_url,
    club_billing,
    club_detail,
    club_home,
    everyone,
    join_url,
    my_clubs,
    own_membership_only,
    signed_in,
)
from tests.analytics.access_pages import PAGES as ANALYTICS_PAGES
from tests.automations.access_pages import PAGES as AUTOMATION_PAGES
from tests.billing.access_pages import PAGES as BILLING_GROWTH_PAGES
from tests.conftest import ROLES
from tests.events.access_pages import PAGES as EVENT_PAGES
from tests.factories import MembershipFactory, UserFactory
from tests.feed.access_pages import PAGES as FEED_PAGES
from tests.imports.access_pages import PAGES as IMPORT_PAGES
from tests.notifications.access_pages import PAGES as NOTIFICATION_PAGES
from tests.offers.access_pages import PAGES as OFFER_PAGES
from tests.privacy.access_pages import PAGES as PRIVACY_PAGES


def email_unsubscribe_url(club) -> str:
    """members' one-click unsubscribe (RFC 8058): a signed link, answered to anyone who holds it."""
    from core.tokens import token_make
    from members.emails import UNSUBSCRIBE_PURPOSE

    member = MembershipFactory(club=club, plan=club.plans.first()).user
    token = token_make(purpose=UNSUBSCRIBE_PURPOSE, parts=[member.pk, "email_club_news"])
    return reverse("members:email-unsubscribe", args=[token])


def club_settings_url(club) -> str:
    return reverse("clubs:club-settings", args=[club.slug])


APPS_IN_THE_MATRIX = (
    "clubs",
    "members",
    "billing",
    "events",
    "feed",
    "offers",
    "analytics",
    "automations",
    "devtools",
    "notifications",
    "privacy",
    "imports",
)

CORE_PAGES = [
    Page("club-directory", lambda club: reverse("clubs:club-directory"), everyone(200)),
    Page("healthz", lambda club: reverse("healthz"), everyone(200)),
    Page("club-detail", club_detail, everyone(200)),
    Page("club-join", join_url, {**signed_in(200), "member": club_home}),
    Page("club-join-post", join_url, {**signed_in(CHECKOUT), "member": club_home}, method="post"),
    Page("club-home", club_home, MEMBER_AREA),
    Page("my-clubs", my_clubs, signed_in(200)),
    Page(
        "club-roster",
        lambda club: reverse("clubs:club-roster", args=[club.slug]),
        LEADERS_ONLY,
    ),
    Page("club-settings", club_settings_url, LEADERS_ONLY),
    Page(
        "club-settings-post",
        club_settings_url,
        # An empty form is valid (every field is optional): saved, then back to the page.
        {**LEADERS_ONLY, "leader": club_settings_url, "staff": club_settings_url},
        method="post",
    ),
    Page("profile", lambda club: reverse("members:profile"), signed_in(200)),
    Page("email-unsubscribe", email_unsubscribe_url, everyone(200)),
    Page("email-unsubscribe-post", email_unsubscribe_url, everyone(200), method="post"),
    Page("language", lambda club: reverse("members:language"), everyone(lambda club: "/"), method="post"),
    allauth_entrance("account_login"),
    allauth_entrance("account_signup"),
    Page("account_email", lambda club: reverse("account_email"), signed_in(200)),
    Page("account_change_password", lambda club: reverse("account_change_password"), signed_in(200)),
    Page("account_reset_password", lambda club: reverse("account_reset_password"), everyone(200)),
    Page("mfa_index", lambda club: reverse("mfa_index"), signed_in(200)),
    Page("club-billing", billing_url("club-billing"), own_membership_only(200)),
    Page(
        "checkout-start",
        billing_url("checkout-start"),
        own_membership_only({"pending": CHECKOUT, "lapsed": CHECKOUT, "member": club_detail}),
        method="post",
    ),
    Page("checkout-success", billing_url("checkout-success"), own_membership_only(200)),
    Page("checkout-cancel", billing_url("checkout-cancel"), own_membership_only(200)),
    # Without a running subscription these actions explain why and go back to the billing page.
    Page("subscription-cancel", billing_url("subscription-cancel"), own_membership_only(club_billing), method="post"),
    Page("subscription-resume", billing_url("subscription-resume"), own_membership_only(club_billing), method="post"),
    Page(
        "plan-switch",
        lambda club: reverse("billing:plan-switch", args=[club.slug, club.plans.get(name="Monthly").pk]),
        own_membership_only(club_billing),
    ),
    Page(
        "billing-portal",
        billing_url("billing-portal"),
        own_membership_only(lambda club: "http://testserver" + club_billing(club) + "?portal=demo"),
        method="post",
    ),
    # Demo checkout exists only in demo mode (DEBUG on, no Stripe key): refused here.
    Page("demo-checkout", lambda club: reverse("devtools:demo-checkout", args=["cs_test_unknown"]), signed_in(404)),
    # The local outbox answers only with DEBUG on (tests/devtools/test_outbox.py): refused here, for everyone.
    Page("outbox", lambda club: reverse("devtools:outbox"), everyone(404)),
    Page(
        "outbox-message",
        lambda club: reverse("devtools:outbox-message", args=["0" * 19 + "-" + "0" * 32]),
        everyone(404),
    ),
    Page(
        "outbox-message-html",
        lambda club: reverse("devtools:outbox-message-html", args=["0" * 19 + "-" + "0" * 32]),
        everyone(404),
    ),
    # Stripe authenticates by signature, never by session: unsigned posts are refused for everyone.
    Page("stripe-webhook", lambda club: reverse("billing:stripe-webhook"), everyone(400), method="post"),
    Page(
        "admin-index",
        lambda club: reverse("admin:index"),
        {
            **everyone(lambda club: reverse("admin:login") + "?next=/admin/"),
            "staff": 200,
            "staff_without_mfa": MFA_SETUP,
        },
    ),
    Page(
        "billing-overview",
        lambda club: reverse("billing-overview"),
        {
            **everyone(lambda club: reverse("admin:login") + "?next=/admin/billing/overview/"),
            "staff": 200,
            "staff_without_mfa": MFA_SETUP,
        },
    ),
    Page(
        "admin-memberships",
        lambda club: reverse("admin:clubs_membership_changelist"),
        {
            **everyone(lambda club: reverse("admin:login") + "?next=/admin/clubs/membership/"),
            "staff": 200,
            "staff_without_mfa": MFA_SETUP,
        },
    ),
]
PAGES = (
    CORE_PAGES
    + BILLING_GROWTH_PAGES
    + EVENT_PAGES
    + FEED_PAGES
    + OFFER_PAGES
    + ANALYTICS_PAGES
    + AUTOMATION_PAGES
    + NOTIFICATION_PAGES
    + PRIVACY_PAGES
    + IMPORT_PAGES
)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_access_matrix(page, role, actor_client, club, settings):
    settings.REQUIRE_STAFF_MFA = True  # as in production: "staff" have TOTP, "staff_without_mfa" have not
    client, _user = actor_client(role)
    url = page.url(club)
    response = getattr(client, page.method)(url)
    expected = page.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    elif expected == MFA_SETUP:
        assert response.status_code == 302, f"{role} on {url}: {response.status_code}"
        assert response["Location"] == reverse("mfa_index")
    elif expected == CHECKOUT:
        assert response.status_code == 302
        assert response["Location"].startswith("/billing/demo-checkout/cs_")
    elif callable(expected):
        assert response.status_code == 302, f"{role} on {url}: {response.status_code}"
        assert response["Location"] == expected(club)
    else:
        assert response.status_code == expected, f"{role} on {url}"


def test_every_url_of_our_apps_is_in_the_matrix():
    """A new URL without a row here fails, so no page escapes the access check."""
    covered = {page.name.removesuffix("-post") for page in PAGES}
    for namespace in APPS_IN_THE_MATRIX:
        patterns = get_resolver().namespace_dict[namespace][1].url_patterns
        missing = {pattern.name for pattern in patterns} - covered
        assert not missing, f"URLs of {namespace} without access-matrix rows: {missing}"


@pytest.mark.parametrize("role", ["anonymous", "non_member", "pending", "lapsed", "other_leader"])
def test_member_area_content_never_reaches_roles_without_access(role, actor_client, club):
    secret_member = UserFactory(display_name="Zora Quietmember")
    MembershipFactory(user=secret_member, club=club, plan=club.plans.first())
    client, _user = actor_client(role)
    response = client.get(club_home(club), follow=True)
    assert "Zora Quietmember" not in response.content.decode()
