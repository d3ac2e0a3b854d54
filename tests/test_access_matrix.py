"""Every URL against every role: the one table later capabilities extend.

Another club's objects answer 404 (never 403), so their existence does not leak.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import get_resolver, reverse

from tests.conftest import ROLES
from tests.factories import MembershipFactory, UserFactory

LOGIN = "login"  # a redirect to the login page, keeping ?next=
CHECKOUT = "checkout"  # a redirect to (demo) Stripe Checkout


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable  # (club) -> path
    expected: dict  # role -> status code, LOGIN, or a callable (club) -> redirect target path
    method: str = "get"


def everyone(status: int) -> dict:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict:
    return {**everyone(status), "anonymous": LOGIN}


def club_detail(club):
    return reverse("clubs:club-detail", args=[club.slug])


def club_home(club):
    return reverse("clubs:club-home", args=[club.slug])


def my_clubs(club):
    return reverse("clubs:my-clubs")


def join_url(club):
    return reverse("clubs:club-join", args=[club.slug, club.plans.get(name="Yearly").pk])


HOLDERS = ("pending", "lapsed", "member")  # roles that have a membership of the club


def own_membership_only(holder_outcome) -> dict:
    """Billing pages exist only for one's own membership: everyone else gets 404."""
    outcome = holder_outcome if isinstance(holder_outcome, dict) else dict.fromkeys(HOLDERS, holder_outcome)
    return {**signed_in(404), **outcome}


def billing_url(name: str, *extra):
    return lambda club: reverse(f"billing:{name}", args=[club.slug, *extra(club)] if extra else [club.slug])


def club_billing(club):
    return reverse("billing:club-billing", args=[club.slug])


def allauth_entrance(url_name: str) -> Page:
    """Log-in and sign-up pages send signed-in people on to their clubs."""
    return Page(url_name, lambda club: reverse(url_name), {**everyone(my_clubs), "anonymous": 200})


PAGES = [
    Page("club-directory", lambda club: reverse("clubs:club-directory"), everyone(200)),
    Page("club-detail", club_detail, everyone(200)),
    Page("club-join", join_url, {**signed_in(200), "member": club_home}),
    Page("club-join-post", join_url, {**signed_in(CHECKOUT), "member": club_home}, method="post"),
    Page(
        "club-home",
        club_home,
        {
            "anonymous": LOGIN,
            "non_member": club_detail,
            "pending": club_detail,
            "lapsed": club_detail,
            "member": 200,
            "other_leader": club_detail,
            "leader": 200,
            "staff": 200,
        },
    ),
    Page("my-clubs", my_clubs, signed_in(200)),
    Page(
        "club-roster",
        lambda club: reverse("clubs:club-roster", args=[club.slug]),
        {**signed_in(404), "leader": 200, "staff": 200},
    ),
    Page("profile", lambda club: reverse("members:profile"), signed_in(200)),
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
    Page("demo-checkout", lambda club: reverse("billing:demo-checkout", args=["cs_test_unknown"]), signed_in(404)),
    # Stripe authenticates by signature, never by session: unsigned posts are refused for everyone.
    Page("stripe-webhook", lambda club: reverse("billing:stripe-webhook"), everyone(400), method="post"),
    Page(
        "admin-index",
        lambda club: reverse("admin:index"),
        {**everyone(lambda club: reverse("admin:login") + "?next=/admin/"), "staff": 200},
    ),
    Page(
        "billing-overview",
        lambda club: reverse("billing-overview"),
        {**everyone(lambda club: reverse("admin:login") + "?next=/admin/billing/overview/"), "staff": 200},
    ),
    Page(
        "admin-memberships",
        lambda club: reverse("admin:clubs_membership_changelist"),
        {**everyone(lambda club: reverse("admin:login") + "?next=/admin/clubs/membership/"), "staff": 200},
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_access_matrix(page, role, actor_client, club):
    client, _user = actor_client(role)
    url = page.url(club)
    response = getattr(client, page.method)(url)
    expected = page.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
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
    for namespace in ("clubs", "members", "billing"):
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
