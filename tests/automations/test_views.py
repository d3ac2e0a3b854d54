"""Leader pages: settings with each automation's results, and the inactive member list (query budgets)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from automations.models import AutomationKind, ClubAutomationSettings, SendStatus
from automations.services.club_settings import SETTING_FIELDS
from tests.automations.factories import AutomationSendFactory
from tests.factories import MembershipFactory, UserFactory
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_client(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    return client


def settings_url(club):
    return reverse("automations:settings", args=[club.slug])


def _form_data(**changes):
    defaults = ClubAutomationSettings()
    data = {}
    for name in SETTING_FIELDS:
        value = getattr(defaults, name if name != "birthday_gift_offer" else "birthday_gift_offer_id")
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_leader_sees_sent_clicked_converted_per_automation(leader_client, club):
    membership = MembershipFactory(club=club)
    AutomationSendFactory(membership=membership, kind=AutomationKind.WIN_BACK, clicked_at=timezone.now())
    AutomationSendFactory(
        membership=membership, kind=AutomationKind.WIN_BACK, clicked_at=timezone.now(), converted_at=timezone.now()
    )
    AutomationSendFactory(membership=membership, kind=AutomationKind.WIN_BACK, status=SendStatus.SKIPPED)
    response = leader_client.get(settings_url(club))
    stats = {row.kind: row for row in response.context["stats"]}
    win_back = stats[AutomationKind.WIN_BACK]
    assert (win_back.sent, win_back.clicked, win_back.converted) == (2, 2, 1)
    assert win_back.conversion_percent == 50.0
    assert "Win-back offer" in response.content.decode()


def test_leader_tunes_the_automations(leader_client, club):
    gift = OfferFactory(club=club)
    data = _form_data(
        win_back_stage1_days=20, win_back_stage1_percent=12, upgrade_nudge_enabled=False, birthday_gift_offer=gift.pk
    )
    response = leader_client.post(settings_url(club), data)
    assert response.status_code == 302
    config = ClubAutomationSettings.objects.get(club=club)
    assert (config.win_back_stage1_days, config.win_back_stage1_percent) == (20, 12)
    assert config.upgrade_nudge_enabled is False
    assert config.birthday_gift_offer == gift


def test_win_back_stages_out_of_order_are_refused_and_nothing_changes(leader_client, club):
    response = leader_client.post(settings_url(club), _form_data(win_back_stage2_days=20))
    assert response.status_code == 200
    assert "Each win-back offer must come later than the one before." in response.content.decode()
    assert not ClubAutomationSettings.objects.filter(club=club).exists()


def test_another_clubs_offer_cannot_be_the_birthday_gift(leader_client, club, other_club):
    foreign = OfferFactory(club=other_club)
    response = leader_client.post(settings_url(club), _form_data(birthday_gift_offer=foreign.pk))
    assert response.status_code == 200
    assert not ClubAutomationSettings.objects.filter(club=club).exists()


def test_navbar_links_leaders_to_the_automations(leader_client, club):
    html = leader_client.get(reverse("clubs:my-clubs")).content.decode()
    assert settings_url(club) in html


@pytest.mark.parametrize("rows", [1, 50])
def test_inactive_member_list_query_budget(leader_client, club, rows, django_assert_max_num_queries):
    for _ in range(rows):
        MembershipFactory(club=club, started_at=timezone.now() - timedelta(days=60))
    with django_assert_max_num_queries(10):
        response = leader_client.get(reverse("automations:inactive-members", args=[club.slug]))
    assert len(response.context["page"].object_list) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_settings_page_query_budget(leader_client, club, rows, django_assert_max_num_queries):
    for _ in range(rows):
        membership = MembershipFactory(club=club)
        AutomationSendFactory(membership=membership, kind=AutomationKind.WELCOME)
    with django_assert_max_num_queries(15):
        response = leader_client.get(settings_url(club))
    assert response.status_code == 200


def test_members_see_the_referral_card_on_the_club_home(client, club):
    membership = MembershipFactory(club=club)
    client.force_login(membership.user)
    html = client.get(reverse("clubs:club-home", args=[club.slug])).content.decode()
    assert reverse("automations:my-referrals", args=[club.slug]) in html


def test_referral_banner_disappears_once_a_referred_friend_joined(client, club):
    """The banner asks for something the member already did: gone once a friend they referred has paid."""
    from automations.models import Referral, ReferralStatus
    from tests.automations.factories import ReferralCodeFactory

    membership = MembershipFactory(club=club)
    code = ReferralCodeFactory(club=club, user=membership.user)
    friend = MembershipFactory(club=club)
    referral = Referral.objects.create(
        club=club,
        code=code,
        referrer=membership.user,
        referred=friend.user,
        membership=friend,
        friend_percent_off=20,
        credit_minor=500,
        currency=club.currency,
    )
    client.force_login(membership.user)
    home = reverse("clubs:club-home", args=[club.slug])
    assert 'id="referral-card"' in client.get(home).content.decode()  # the friend has not paid yet
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.REWARDED, rewarded_at=timezone.now())
    assert 'id="referral-card"' not in client.get(home).content.decode()
