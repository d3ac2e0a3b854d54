"""Staff changes to people and to email suppressions are audited like billing's, and secrets never reach the log."""

import pytest
from django.urls import reverse

from core.audit import REDACTED
from core.models import StaffAction
from members.models import EmailSuppression, SuppressionReason, User
from tests.config.admin_forms import admin_form_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-Long-new-passphrase-42"


@pytest.fixture
def staff(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return staff


def assert_no_secret_in_log(*hashes: str):
    for action in StaffAction.objects.all():
        logged = f"{action.before} {action.after}"
        assert NEW_PASSWORD not in logged
        assert not any(password_hash in logged for password_hash in hashes)


def test_granting_staff_rights_is_recorded_with_before_and_after(client, staff):
    person = UserFactory(email="person@example.com")
    url = reverse("admin:members_user_change", args=[person.pk])
    data = admin_form_data(client.get(url))
    data["is_staff"] = "on"
    assert client.post(url, data).status_code == 302

    action = StaffAction.objects.get(action="change user")
    assert action.actor == staff
    assert action.target == str(person)
    assert action.before == {"is_staff": False}
    assert action.after == {"is_staff": True}
    assert_no_secret_in_log(person.password)


def test_adding_a_user_records_the_email_but_not_the_password(client, staff):
    response = client.post(
        reverse("admin:members_user_add"),
        {"email": "added@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    action = StaffAction.objects.get(action="add user")
    assert action.after["email"] == "added@example.com"
    assert action.after["password1"] == REDACTED
    assert_no_secret_in_log(User.objects.get(email="added@example.com").password)


def test_setting_a_password_in_admin_is_recorded_without_the_password(client, staff):
    person = UserFactory(email="forgetful@example.com")
    response = client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    action = StaffAction.objects.get(action="change password")
    assert action.actor == staff and action.target == str(person)
    assert action.after == {"password": REDACTED}
    assert_no_secret_in_log(person.password)


def test_a_refused_password_change_records_nothing(client, staff):
    person = UserFactory()
    response = client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"password1": NEW_PASSWORD, "password2": "something else", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert not StaffAction.objects.exists()


def test_deleting_a_user_keeps_a_snapshot_without_the_password_hash(client, staff):
    person = UserFactory(email="leaving@example.com")
    password_hash = person.password
    client.post(reverse("admin:members_user_delete", args=[person.pk]), {"post": "yes"})
    assert not User.objects.filter(pk=person.pk).exists()
    action = StaffAction.objects.get(action="delete user")
    assert action.before["email"] == "leaving@example.com"
    assert action.before["password"] == REDACTED
    assert_no_secret_in_log(password_hash)


def test_lifting_an_email_suppression_is_recorded(client, staff):
    suppression = EmailSuppression.objects.create(
        email="bounced@example.com", reason=SuppressionReason.BOUNCED, provider="postmark"
    )
    client.post(reverse("admin:members_emailsuppression_delete", args=[suppression.pk]), {"post": "yes"})
    assert not EmailSuppression.objects.exists()
    action = StaffAction.objects.get(action="delete emailsuppression")
    assert action.actor == staff
    assert action.before["email"] == "bounced@example.com"
    assert action.before["reason"] == SuppressionReason.BOUNCED
