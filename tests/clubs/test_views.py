import pytest
from django.urls import reverse

from clubs.models import Membership, MembershipStatus
from tests.factories import ClubFactory, MembershipFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_join_creates_a_pending_membership_and_opens_checkout(client, club, stripe_emulator):
    user = UserFactory()
    client.force_login(user)
    yearly = club.plans.get(name="Yearly")
    response = client.post(reverse("billing:club-join", args=[club.slug, yearly.pk]))
    membership = Membership.objects.get(user=user, club=club)
    assert membership.status == MembershipStatus.PENDING
    assert membership.plan == yearly
    session_id = response["Location"].rsplit("/", 1)[-1]
    session = stripe_emulator.get(session_id)
    assert response["Location"] == f"/billing/demo-checkout/{session_id}"
    assert session["mode"] == "subscription"
    assert session["client_reference_id"] == str(membership.pk)
    assert session["metadata"]["membership_id"] == str(membership.pk)
    assert session["amount_total"] == 4800


def test_join_page_summarises_the_chosen_plan(client, club):
    client.force_login(UserFactory())
    response = client.get(reverse("billing:club-join", args=[club.slug, club.plans.get(name="6 months").pk]))
    html = response.content.decode()
    assert "$27.00" in html and "$4.50 per month" in html and "Save 10%" in html


def test_join_with_an_inactive_or_foreign_plan_is_404_and_creates_nothing(client, club, other_club):
    client.force_login(UserFactory())
    inactive = PlanFactory(club=club, is_active=False)
    foreign = PlanFactory(club=other_club)
    for plan in (inactive, foreign):
        assert client.post(reverse("billing:club-join", args=[club.slug, plan.pk])).status_code == 404
    assert not Membership.objects.exists()


def test_unknown_club_is_404(client):
    assert client.get(reverse("clubs:club-detail", args=["nope"])).status_code == 404


def test_unlisted_club_is_hidden_from_the_directory_but_reachable_by_link(client):
    ClubFactory(name="Secret Garden", slug="secret-garden", is_listed=False)
    assert "Secret Garden" not in client.get(reverse("clubs:club-directory")).content.decode()
    assert client.get(reverse("clubs:club-detail", args=["secret-garden"])).status_code == 200


def test_directory_search_and_htmx_partial(client):
    ClubFactory(name="Healthy and Happy Club")
    ClubFactory(name="Mindful Runners")
    response = client.get(reverse("clubs:club-directory"), {"q": "runners"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Mindful Runners" in html and "Healthy and Happy" not in html
    assert "<html" not in html  # only the cards are swapped in
    assert "HX-Request" in response["Vary"]


def test_directory_counts_only_members_with_access(client, club):
    for status in (MembershipStatus.ACTIVE, MembershipStatus.TRIALING, MembershipStatus.PENDING):
        MembershipFactory(club=club, plan=club.plans.first(), status=status)
    assert "2 members" in client.get(reverse("clubs:club-directory")).content.decode()


def test_member_home_shows_membership_leaders_and_fellow_members(client, club):
    leader = UserFactory(display_name="Lea Leader")
    club.leaders.add(leader)
    fellow = MembershipFactory(club=club, plan=club.plans.first(), user=UserFactory(display_name="Finn Fellow"))
    me = MembershipFactory(club=club, plan=club.plans.get(name="Yearly"))
    client.force_login(me.user)
    html = client.get(reverse("clubs:club-home", args=[club.slug])).content.decode()
    assert "Lea Leader" in html and fellow.user.display_name in html
    assert "Yearly" in html and "Active" in html


def test_lapsed_member_is_invited_to_rejoin(client, club):
    lapsed = MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.EXPIRED)
    client.force_login(lapsed.user)
    html = client.get(reverse("clubs:my-clubs")).content.decode()
    assert "Rejoin" in html


def test_roster_filters_by_status(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    MembershipFactory(club=club, plan=club.plans.first(), user=UserFactory(email="active@example.com"))
    MembershipFactory(
        club=club, plan=club.plans.first(), user=UserFactory(email="gone@example.com"), status=MembershipStatus.EXPIRED
    )
    client.force_login(leader)
    html = client.get(reverse("clubs:club-roster", args=[club.slug]), {"status": "expired"}).content.decode()
    assert "gone@example.com" in html and "active@example.com" not in html


# --- Query budgets: the same maximum at 1 row and at 50 rows --------------------------------


@pytest.mark.parametrize("rows", [1, 50])
def test_directory_query_budget(client, django_assert_max_num_queries, rows):
    for _ in range(rows):
        club = ClubFactory()
        PlanFactory(club=club)
        PlanFactory(club=club, interval="year", price_minor=4800)
        MembershipFactory(club=club, plan=club.plans.first())
    with django_assert_max_num_queries(2):
        response = client.get(reverse("clubs:club-directory"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_club_page_query_budget(client, django_assert_max_num_queries, rows):
    club = ClubFactory()
    for index in range(rows):
        PlanFactory(club=club, interval_count=index + 1, order=index)
        MembershipFactory(club=club, plan=club.plans.first())
    client.force_login(UserFactory())
    with django_assert_max_num_queries(9):  # + the notifications bell's count
        response = client.get(club.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_member_home_query_budget(client, django_assert_max_num_queries, rows, club):
    for _ in range(rows):
        MembershipFactory(club=club, plan=club.plans.first())
        club.leaders.add(UserFactory())
    member = MembershipFactory(club=club, plan=club.plans.first())
    client.force_login(member.user)
    # Session, user, club, membership, leadership, then per section: leaders, newest members, member count,
    # the highlight and the newest achievements (2), next events, current offers, referral card.
    # None grows with the rows.
    with django_assert_max_num_queries(15):  # + the bell; pinned announcements
        response = client.get(reverse("clubs:club-home", args=[club.slug]))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_my_clubs_query_budget(client, django_assert_max_num_queries, rows):
    user = UserFactory()
    for _ in range(rows):
        MembershipFactory(user=user)
        ClubFactory().leaders.add(user)
    client.force_login(user)
    with django_assert_max_num_queries(6):  # + the notifications bell's count
        response = client.get(reverse("clubs:my-clubs"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_roster_query_budget(client, django_assert_max_num_queries, rows, club):
    leader = UserFactory()
    club.leaders.add(leader)
    for _ in range(rows):
        MembershipFactory(club=club, plan=club.plans.first())
    client.force_login(leader)
    with django_assert_max_num_queries(8):  # + the notifications bell's count
        response = client.get(reverse("clubs:club-roster", args=[club.slug]))
    assert response.status_code == 200
