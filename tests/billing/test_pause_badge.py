"""A paused member's status badge says "Paused until <date>" (or "Paused"), not "Active" (issue 23).

Stripe keeps a paused subscription active, so the membership's status alone reads "Active". Every place that shows
a member's status (club page, billing page, my clubs, the leaders' roster, the admin list) shows the pause, and
the list pages read it in their own query: the same budget at 1 and at 50 paused members.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import StripeCustomer, Subscription
from clubs.models import MembershipStatus
from tests.factories import ClubFactory, MembershipFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db

RESUMES = datetime(2030, 3, 15, 12, 0, tzinfo=UTC)
# English DATE_FORMAT is Django's "N j, Y": March is written out in full (AP style), so the reference is literal.
PAUSED_UNTIL = "Paused until March 15, 2030"


def paused_member(club, *, resumes_at=RESUMES, behavior="void", user=None):
    membership = MembershipFactory(
        club=club,
        plan=club.plans.first(),
        status=MembershipStatus.ACTIVE,
        current_period_end=timezone.now() + timedelta(days=20),
        user=user or UserFactory(),
    )
    customer, _created = StripeCustomer.objects.get_or_create(
        user=membership.user, defaults={"stripe_customer_id": f"cus_{membership.user.pk}"}
    )
    Subscription.objects.create(
        stripe_subscription_id=f"sub_{membership.pk}",
        membership=membership,
        customer=customer,
        plan=membership.plan,
        status="active",
        amount_minor=500,
        currency="USD",
        pause_behavior=behavior,
        pause_resumes_at=resumes_at,
    )
    return membership


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_paused_member_badge_says_paused_not_active(client, club):
    member = paused_member(club)
    leader = UserFactory()
    club.leaders.add(leader)

    own_badge = f"Your membership:</strong> {PAUSED_UNTIL}"
    for url in (club.get_absolute_url(), reverse("billing:club-billing", args=[club.slug])):
        html = page(client, member.user, url)
        assert own_badge in html
        assert "Your membership:</strong> Active" not in html
        assert "renews on" not in html  # no renewal is announced while paused
    my_clubs = page(client, member.user, reverse("clubs:my-clubs"))
    assert f'text-bg-info">{PAUSED_UNTIL}</span>' in my_clubs and "Renews on" not in my_clubs

    roster = page(client, leader, reverse("clubs:club-roster", args=[club.slug]))
    assert f"<td>{PAUSED_UNTIL}" in roster and "<td>Active" not in roster

    staff = UserFactory(is_staff=True, is_superuser=True)
    admin_list = page(client, staff, reverse("admin:clubs_membership_changelist"))
    assert f'<td class="field-status_shown">{PAUSED_UNTIL}</td>' in admin_list


def test_open_ended_pause_says_paused(client, club):
    member = paused_member(club, resumes_at=None)
    html = page(client, member.user, reverse("billing:club-billing", args=[club.slug]))
    assert "Your membership:</strong> Paused" in html and PAUSED_UNTIL not in html


def test_pause_that_has_ended_shows_the_status_again(client, club):
    member = paused_member(club, resumes_at=timezone.now() - timedelta(days=1))
    html = page(client, member.user, reverse("billing:club-billing", args=[club.slug]))
    assert "Your membership:</strong> Active" in html and "Paused" not in html.split("Your membership:")[1][:80]


def test_unpaused_member_still_says_active(client, club):
    member = paused_member(club, behavior="", resumes_at=None)
    html = page(client, member.user, club.get_absolute_url())
    assert "Your membership:</strong> Active" in html


@pytest.mark.parametrize("rows", [1, 50])
def test_roster_with_paused_members_query_budget(client, django_assert_max_num_queries, rows, club):
    leader = UserFactory()
    club.leaders.add(leader)
    for _ in range(rows):
        paused_member(club)
    client.force_login(leader)
    with django_assert_max_num_queries(8):  # the roster's own budget (tests/clubs/test_views.py)
        response = client.get(reverse("clubs:club-roster", args=[club.slug]))
    assert response.content.decode().count(f"<td>{PAUSED_UNTIL}") == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_admin_membership_list_with_paused_members_query_budget(client, django_assert_max_num_queries, rows, club):
    for _ in range(rows):
        paused_member(club)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:clubs_membership_changelist")
    client.get(url)  # warm the per-process caches (content types, the admin's own lookups)
    with django_assert_max_num_queries(12):  # measured at 1 row; at 50 too (the plan's club is selected with it)
        response = client.get(url)
    assert response.content.decode().count(f'<td class="field-status_shown">{PAUSED_UNTIL}</td>') == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_my_clubs_with_paused_memberships_query_budget(client, django_assert_max_num_queries, rows, club):
    user = UserFactory()
    for _ in range(rows):
        other = ClubFactory()
        PlanFactory(club=other)
        paused_member(other, user=user)
    client.force_login(user)
    with django_assert_max_num_queries(6):  # my clubs' own budget (tests/clubs/test_views.py)
        response = client.get(reverse("clubs:my-clubs"))
    assert response.content.decode().count(PAUSED_UNTIL) == rows
