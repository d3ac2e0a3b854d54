"""The import pages as leaders use them: upload, preview (with its query budget), confirm; the export; the link."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clubs.models import Membership
from imports.models import ImportJob, ImportStatus
from imports.services import invitation_token
from tests.factories import MembershipFactory, UserFactory
from tests.imports.helpers import csv_bytes, leader_of, sample

pytestmark = pytest.mark.django_db


def upload(client, club, data: bytes, **fields):
    payload = {"file": SimpleUploadedFile("members.csv", data, content_type="text/csv"), "send_invitations": "on"}
    payload.setdefault("complimentary_until", "2030-12-31")
    payload.update(fields)
    return client.post(reverse("imports:import-start", args=[club.slug]), payload)


def test_upload_shows_the_preview_and_confirm_imports(client, club, django_capture_on_commit_callbacks):
    client.force_login(leader_of(club))
    response = upload(client, club, sample("ghost"))
    job = ImportJob.objects.get(club=club)
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:import-preview", args=[club.slug, job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "ada@example.com" in page and "New member" in page and "Ghost members export" in page
    assert not Membership.objects.filter(club=club, user__email="ada@example.com").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:import-confirm", args=[club.slug, job.pk]))
    assert response.status_code == 302
    assert Membership.objects.filter(club=club, is_complimentary=True).count() == 3
    job.refresh_from_db()
    assert job.status == ImportStatus.CONFIRMED


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01\x02garbage",
        b"PK\x03\x04\x14\x00\x06\x00",  # an .xlsx (a ZIP)
        "\ufffe".encode("utf-16"),
        b'email\n"unterminated',
        b"\xff\xfe\xfd",
        b"a" * 5000,
    ],
)
def test_any_file_gets_a_message_never_a_500(client, club, data):
    client.force_login(leader_of(club))
    response = upload(client, club, data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors["file"]


def test_a_file_over_the_size_limit_is_refused_before_reading(client, club, settings):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(leader_of(club))
    response = upload(client, club, sample("patreon"))
    assert response.status_code == 200
    assert "larger than" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


def test_a_bad_chosen_date_is_a_form_error(client, club):
    client.force_login(leader_of(club))
    response = upload(client, club, sample("generic"), complimentary_until="2001-01-01")
    assert response.status_code == 200
    assert "today or later" in response.context["form"].errors["file"][0]


def test_the_mapping_can_be_overridden(client, club):
    client.force_login(leader_of(club))
    upload(client, club, csv_bytes("Mail,Wer", "ada@example.com,Ada"))
    job = ImportJob.objects.get(club=club)
    url = reverse("imports:import-preview", args=[club.slug, job.pk])
    response = client.post(url, {"source_format": "generic", "col_email": "Mail", "col_name": "Wer"})
    assert response.status_code == 302
    row = job.rows.get()
    assert (row.outcome, row.name) == ("create", "Ada")


@pytest.mark.parametrize("rows", [1, 60])
def test_preview_query_budget(client, club, django_assert_max_num_queries, rows):
    client.force_login(leader_of(club))
    lines = [f"member{index}@example.com,Member {index},Monthly" for index in range(rows)]
    upload(client, club, csv_bytes("email,name,plan", *lines))
    job = ImportJob.objects.get(club=club)
    # Session, user, club, leadership, job, rows count, rows (with plans), outcome counts; none grows with rows.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("imports:import-preview", args=[club.slug, job.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("New member") >= min(rows, 100)


def test_member_export_is_csv_injection_safe_and_reimportable(client, club):
    MembershipFactory(club=club, plan=club.plans.get(name="Monthly"), user__email="evil@example.com",
                      user__display_name='=HYPERLINK("http://x.example","click")')  # fmt: skip
    MembershipFactory(club=club, plan=club.plans.get(name="Yearly"), user__email="plain@example.com",
                      user__display_name="Plain Member")  # fmt: skip
    client.force_login(leader_of(club))
    response = client.get(reverse("imports:member-export", args=[club.slug]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:6] == ["email", "name", "plan", "complimentary_until", "stripe_subscription_id", "club_emails"]
    by_email = {row[0]: row for row in rows[1:]}
    assert by_email["evil@example.com"][1] == '\'=HYPERLINK("http://x.example","click")'
    assert by_email["plain@example.com"][1:3] == ["Plain Member", "Yearly"]
    assert by_email["plain@example.com"][5] == "yes"  # the factory's consents


@pytest.mark.parametrize("rows", [1, 40])
def test_member_export_query_budget(client, club, django_assert_max_num_queries, rows):
    for _ in range(rows):
        MembershipFactory(club=club, plan=club.plans.first())
    client.force_login(leader_of(club))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("imports:member-export", args=[club.slug]))
        body = b"".join(response.streaming_content)
    assert body.count(b"\n") == rows + 1


def test_the_template_downloads_with_the_documented_columns(client, club):
    client.force_login(leader_of(club))
    response = client.get(reverse("imports:import-template", args=[club.slug]))
    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert header == "email,name,plan,complimentary_until,stripe_subscription_id,club_emails"


def test_invitation_sets_a_password_and_signs_in(client, club):
    invited = UserFactory(email="ada@example.com")
    invited.set_unusable_password()
    invited.save()
    url = reverse("imports:invitation-accept", args=[invitation_token(user=invited, club=club)])
    assert client.get(url).status_code == 200
    password = "a-very-long-pass-phrase-9"
    response = client.post(url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.check_password(password)
    assert int(client.session["_auth_user_id"]) == invited.pk
    again = client.get(url)
    assert "used already" in again.content.decode()


def test_invitation_of_a_member_with_a_password_sends_them_to_log_in(client, club):
    member = UserFactory()
    response = client.get(reverse("imports:invitation-accept", args=[invitation_token(user=member, club=club)]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
