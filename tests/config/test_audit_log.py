"""Every staff change to billing and membership in the admin leaves a StaffAction: who, what, when, before/after."""

import pytest
from django.urls import reverse

from clubs.models import Club, MembershipStatus, Plan
from core.models import StaffAction
from tests.config.admin_forms import admin_form_data
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return staff


def change(client, url, **overrides):
    data = admin_form_data(client.get(url))
    data.update(overrides)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response


def test_club_change_records_who_and_before_after(client, staff, club):
    change(client, reverse("admin:clubs_club_change", args=[club.pk]), name="Happy Club", grace_period_days="3")
    action = StaffAction.objects.get(action="change club")
    assert action.actor == staff
    assert action.before == {"name": "Healthy and Happy Club", "grace_period_days": 7}
    assert action.after == {"name": "Happy Club", "grace_period_days": 3}
    assert action.created_at is not None


def test_leaders_added_in_admin_are_recorded(client, staff, club):
    leader = UserFactory(email="new-leader@example.com")
    change(client, reverse("admin:clubs_club_change", args=[club.pk]), leaders=[str(leader.pk)])
    action = StaffAction.objects.get(action="change club")
    assert action.before == {"leaders": []}
    assert action.after["leaders"] == [f"{leader} (#{leader.pk})"]


def test_plan_price_changed_through_the_club_inline_is_recorded(client, staff, club):
    monthly = club.plans.get(name="Monthly")
    url = reverse("admin:clubs_club_change", args=[club.pk])
    data = admin_form_data(client.get(url))
    index = next(key for key, value in data.items() if key.endswith("-id") and value == str(monthly.pk)).split("-")[1]
    data[f"plans-{index}-price_minor"] = "6.00"  # typed in dollars: $6.00 is 600 minor units
    assert client.post(url, data).status_code == 302
    action = StaffAction.objects.get(action="change plan")
    assert action.before == {"price_minor": 500} and action.after == {"price_minor": 600}
    assert not StaffAction.objects.filter(action="change club").exists()


def test_plan_added_and_deleted_in_plan_admin_are_recorded(client, staff, club):
    url = reverse("admin:clubs_plan_add")
    data = {
        "club": club.pk,
        "name": "Weekly",
        "interval": "week",
        "interval_count": "1",
        "price_minor": "2.00",
        "currency": "USD",
        "trial_days": "0",
        "order": "5",
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    plan = Plan.objects.get(name="Weekly")
    added = StaffAction.objects.get(action="add plan")
    assert added.after["price_minor"] == 200 and added.before == {}
    client.post(reverse("admin:clubs_plan_delete", args=[plan.pk]), {"post": "yes"})
    deleted = StaffAction.objects.get(action="delete plan")
    assert deleted.before["name"] == "Weekly" and deleted.before["price_minor"] == 200


def test_membership_status_change_is_one_audit_row_with_before_and_after(client, staff, club):
    membership = MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.ACTIVE)
    change(client, reverse("admin:clubs_membership_change", args=[membership.pk]), status=MembershipStatus.CANCELED)
    action = StaffAction.objects.get(action="change membership")
    assert action.before == {"status": "active"} and action.after == {"status": "canceled"}
    assert action.actor == staff


def test_bulk_delete_of_memberships_is_recorded_row_by_row(client, staff, club):
    memberships = [MembershipFactory(club=club, plan=club.plans.first()) for _ in range(2)]
    client.post(
        reverse("admin:clubs_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [m.pk for m in memberships], "post": "yes"},
    )
    assert StaffAction.objects.filter(action="delete membership").count() == 2


def test_saving_without_changes_records_nothing(client, staff, club):
    change(client, reverse("admin:clubs_club_change", args=[club.pk]))
    assert not StaffAction.objects.exists()


def test_audit_log_is_visible_and_read_only_in_admin(client, staff, club):
    change(client, reverse("admin:clubs_club_change", args=[club.pk]), name="Renamed")
    action = StaffAction.objects.get()
    listing = client.get(reverse("admin:core_staffaction_changelist"))
    assert "change club" in listing.content.decode()
    detail = client.get(reverse("admin:core_staffaction_change", args=[action.pk]))
    assert detail.status_code == 200 and b'name="action"' not in detail.content
    assert client.post(reverse("admin:core_staffaction_delete", args=[action.pk]), {"post": "yes"}).status_code == 403
    assert Club.objects.get().name == "Renamed"
