"""Issue 23: a leader's landing page (after login, and the directory "home") shows the clubs they lead."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from tests.factories import ClubFactory, MembershipFactory, UserFactory


def test_leader_without_a_membership_lands_on_the_clubs_they_lead(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    landing = resolve_url(settings.LOGIN_REDIRECT_URL)
    content = client.get(landing).content.decode()
    assert "Clubs you lead" in content and reverse("clubs:club-home", args=[club.slug]) in content
    assert "You have not joined a club yet." not in content  # a leader was told they belong nowhere


def test_leader_who_is_also_a_member_sees_led_clubs_first(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    other = ClubFactory(name="Chess Circle")
    MembershipFactory(user=leader, club=other)
    client.force_login(leader)
    content = client.get(reverse("clubs:my-clubs")).content.decode()
    assert content.index("Clubs you lead") < content.index("Your memberships") < content.index("Chess Circle")


def test_directory_home_shows_a_leader_the_clubs_they_lead(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    content = client.get(reverse("clubs:club-directory")).content.decode()
    assert 'id="leading"' in content and reverse("clubs:club-home", args=[club.slug]) in content


def test_directory_shows_no_led_clubs_to_members_and_visitors(client, club):
    assert 'id="leading"' not in client.get(reverse("clubs:club-directory")).content.decode()
    client.force_login(MembershipFactory(club=club).user)
    assert 'id="leading"' not in client.get(reverse("clubs:club-directory")).content.decode()


@pytest.mark.parametrize("led", [1, 20])
def test_directory_for_a_leader_stays_within_its_query_budget(client, db, django_assert_max_num_queries, led):
    leader = UserFactory()
    for _ in range(led):
        ClubFactory().leaders.add(leader)
    client.force_login(leader)
    with django_assert_max_num_queries(12):
        client.get(reverse("clubs:club-directory"))
