from datetime import timedelta

import pytest
from django.utils import timezone

from clubs.exceptions import MembershipError
from clubs.models import Membership, MembershipStatus, MembershipStatusChange
from clubs.permissions import user_may_enter_member_area
from clubs.services import membership_request, membership_transition
from tests.factories import ClubFactory, MembershipFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


def has_access(membership, now):
    return Membership.objects.filter(pk=membership.pk).with_access(now).exists()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (MembershipStatus.PENDING, False),
        (MembershipStatus.TRIALING, True),
        (MembershipStatus.ACTIVE, True),
        (MembershipStatus.CANCELED, False),
        (MembershipStatus.EXPIRED, False),
    ],
)
def test_access_follows_status(status, expected):
    membership = MembershipFactory(status=status)
    assert has_access(membership, timezone.now()) is expected


def test_past_due_member_keeps_access_until_the_last_instant_of_the_grace_period():
    membership = MembershipFactory(status=MembershipStatus.ACTIVE, club=ClubFactory(grace_period_days=7))
    failed_at = timezone.now() - timedelta(days=3)
    membership_transition(membership=membership, to_status=MembershipStatus.PAST_DUE, at=failed_at)
    grace_end = failed_at + timedelta(days=7)

    assert membership.grace_period_ends_at == grace_end
    assert has_access(membership, failed_at)
    assert has_access(membership, grace_end - timedelta(microseconds=1))
    assert not has_access(membership, grace_end)
    assert not has_access(membership, grace_end + timedelta(seconds=1))


def test_zero_day_grace_period_means_no_access_once_past_due():
    membership = MembershipFactory(status=MembershipStatus.ACTIVE, club=ClubFactory(grace_period_days=0))
    failed_at = timezone.now()
    membership_transition(membership=membership, to_status=MembershipStatus.PAST_DUE, at=failed_at)
    assert not has_access(membership, failed_at)


def test_changing_the_club_grace_period_later_does_not_move_a_running_grace_period():
    club = ClubFactory(grace_period_days=7)
    membership = MembershipFactory(status=MembershipStatus.ACTIVE, club=club)
    failed_at = timezone.now()
    membership_transition(membership=membership, to_status=MembershipStatus.PAST_DUE, at=failed_at)
    club.grace_period_days = 1
    club.save()
    assert has_access(membership, failed_at + timedelta(days=5))


def test_recovered_payment_clears_the_grace_period():
    membership = MembershipFactory(status=MembershipStatus.ACTIVE)
    membership_transition(membership=membership, to_status=MembershipStatus.PAST_DUE)
    membership_transition(membership=membership, to_status=MembershipStatus.ACTIVE)
    membership.refresh_from_db()
    assert membership.past_due_since is None
    assert membership.grace_period_ends_at is None
    assert has_access(membership, timezone.now() + timedelta(days=365))


@pytest.mark.parametrize("role", ["leader", "staff"])
def test_leaders_and_staff_always_enter_without_a_membership(role):
    club = ClubFactory()
    user = UserFactory(is_staff=(role == "staff"))
    if role == "leader":
        club.leaders.add(user)
    assert user_may_enter_member_area(user=user, club=club)


def test_leader_of_another_club_does_not_enter():
    club, other = ClubFactory(), ClubFactory()
    user = UserFactory()
    other.leaders.add(user)
    assert not user_may_enter_member_area(user=user, club=club)


def test_transition_records_history_and_repeating_it_changes_nothing():
    membership = MembershipFactory(status=MembershipStatus.PENDING)
    actor = UserFactory()
    membership_transition(membership=membership, to_status=MembershipStatus.ACTIVE, actor=actor, reason="paid")
    membership_transition(membership=membership, to_status=MembershipStatus.ACTIVE, actor=actor, reason="again")
    changes = list(MembershipStatusChange.objects.filter(membership=membership))
    assert [(c.from_status, c.to_status, c.actor, c.reason) for c in changes] == [
        (MembershipStatus.PENDING, MembershipStatus.ACTIVE, actor, "paid")
    ]


def test_cancel_sets_canceled_at_and_reactivation_clears_it():
    membership = MembershipFactory(status=MembershipStatus.ACTIVE)
    membership_transition(membership=membership, to_status=MembershipStatus.CANCELED)
    assert membership.canceled_at is not None
    membership_transition(membership=membership, to_status=MembershipStatus.ACTIVE)
    assert membership.canceled_at is None


class TestMembershipRequest:
    def test_first_join_creates_a_pending_membership_with_history(self):
        plan = PlanFactory()
        user = UserFactory()
        membership = membership_request(user=user, club=plan.club, plan=plan)
        assert membership.status == MembershipStatus.PENDING
        assert membership.plan == plan
        assert membership.status_changes.get().to_status == MembershipStatus.PENDING

    def test_lapsed_member_rejoins_on_the_same_row(self):
        plan = PlanFactory()
        lapsed = MembershipFactory(club=plan.club, plan=plan, status=MembershipStatus.CANCELED)
        yearly = PlanFactory(club=plan.club, name="Yearly", interval="year")
        again = membership_request(user=lapsed.user, club=plan.club, plan=yearly)
        assert again.pk == lapsed.pk
        assert again.status == MembershipStatus.PENDING
        assert again.plan == yearly
        assert Membership.objects.filter(user=lapsed.user).count() == 1

    def test_member_with_access_cannot_join_again(self):
        membership = MembershipFactory(status=MembershipStatus.ACTIVE)
        with pytest.raises(MembershipError, match="already a member"):
            membership_request(user=membership.user, club=membership.club, plan=membership.plan)

    def test_inactive_plan_is_refused_and_nothing_is_created(self):
        plan = PlanFactory(is_active=False)
        user = UserFactory()
        with pytest.raises(MembershipError, match="not available"):
            membership_request(user=user, club=plan.club, plan=plan)
        assert not Membership.objects.filter(user=user).exists()

    def test_plan_of_another_club_is_refused(self):
        plan = PlanFactory()
        with pytest.raises(MembershipError):
            membership_request(user=UserFactory(), club=ClubFactory(), plan=plan)
