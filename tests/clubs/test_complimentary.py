from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clubs.exceptions import MembershipError
from clubs.models import Membership, MembershipStatus
from clubs.services import complimentary_memberships_expire, membership_grant_complimentary
from core.models import StaffAction
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def has_access(membership, now=None):
    return Membership.objects.filter(pk=membership.pk).with_access(now).exists()


def test_complimentary_access_until_a_date_then_expired_by_the_daily_task(club):
    staff = UserFactory(is_staff=True)
    until = timezone.now() + timedelta(days=30)
    membership = membership_grant_complimentary(user=UserFactory(), club=club, actor=staff, reason="Prize", until=until)
    assert membership.status == MembershipStatus.ACTIVE and membership.is_complimentary
    assert has_access(membership, until - timedelta(seconds=1))
    assert not has_access(membership, until)  # the rule itself stops access at the date
    assert complimentary_memberships_expire(now=until) == 1
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.EXPIRED


def test_complimentary_forever_and_a_reason_is_required(club):
    staff = UserFactory(is_staff=True)
    with pytest.raises(MembershipError):
        membership_grant_complimentary(user=UserFactory(), club=club, actor=staff, reason=" ")
    membership = membership_grant_complimentary(user=UserFactory(), club=club, actor=staff, reason="Founding partner")
    assert has_access(membership, timezone.now() + timedelta(days=3650))


def test_past_end_date_is_refused(club):
    with pytest.raises(MembershipError, match="future"):
        membership_grant_complimentary(
            user=UserFactory(),
            club=club,
            actor=UserFactory(is_staff=True),
            reason="Late",
            until=timezone.now() - timedelta(days=1),
        )


def test_staff_grant_in_admin_is_audited_and_shown_to_the_member(client, club):
    staff = UserFactory(is_staff=True, is_superuser=True)
    member = UserFactory()
    client.force_login(staff)
    response = client.post(
        reverse("admin:clubs_membership_grant_complimentary"),
        {"user": member.pk, "club": club.pk, "until": "", "reason": "Nutritionist partner"},
    )
    assert response.status_code == 302
    action = StaffAction.objects.get(action="grant_complimentary")
    assert action.actor == staff and action.after["reason"] == "Nutritionist partner"
    client.force_login(member)
    assert "Complimentary" in client.get(reverse("clubs:my-clubs")).content.decode()
    assert "nothing to pay" in client.get(reverse("billing:club-billing", args=[club.slug])).content.decode()


def test_grant_view_is_refused_to_non_staff(client, club):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:clubs_membership_grant_complimentary"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
