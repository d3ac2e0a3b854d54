"""Building blocks of the access matrix, shared by every app's rows (tests/<app>/access_pages.py).

Another club's objects answer 404 (never 403), so their existence does not leak.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from tests.conftest import ROLES

LOGIN = "login"  # a redirect to the login page, keeping ?next=
CHECKOUT = "checkout"  # a redirect to (demo) Stripe Checkout
MFA_SETUP = "mfa_setup"  # staff without two-factor, on a page only staff powers open: sent to set it up


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
    return reverse("billing:club-join", args=[club.slug, club.plans.get(name="Yearly").pk])


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


# The two shapes most club pages take. The member area: members with access, the club's leaders and
# staff enter; people without access are sent to the club page to join; anonymous people log in first.
MEMBER_AREA = {
    "anonymous": LOGIN,
    "non_member": club_detail,
    "pending": club_detail,
    "lapsed": club_detail,
    "member": 200,
    "other_leader": club_detail,
    "leader": 200,
    "staff": 200,
    "staff_without_mfa": MFA_SETUP,
}
# Leaders' tools: the club's leaders and staff; for everyone else the page does not exist.
LEADERS_ONLY = {**signed_in(404), "leader": 200, "staff": 200, "staff_without_mfa": MFA_SETUP}
