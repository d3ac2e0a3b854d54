import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clubs.models import Club, MembershipStatus, MembershipStatusChange
from tests.factories import ClubFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client, staff


def club_form(**overrides):
    data = {
        "name": "Yoga Friends",
        "slug": "yoga-friends",
        "tagline": "",
        "description": "",
        "time_zone": "Europe/Berlin",
        "currency": "EUR",
        "default_language": "de",
        "is_listed": "on",
        "grace_period_days": "7",
        "plans-TOTAL_FORMS": "0",
        "plans-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


def test_staff_create_a_club_in_admin(staff_client):
    client, _ = staff_client
    response = client.post(reverse("admin:clubs_club_add"), club_form())
    assert response.status_code == 302
    assert Club.objects.get(slug="yoga-friends").currency == "EUR"


def test_staff_let_a_club_accept_its_own_promotion_codes_in_admin(staff_client):
    client, _ = staff_client
    client.post(reverse("admin:clubs_club_add"), club_form())
    club = Club.objects.get(slug="yoga-friends")
    assert club.accepts_promotion_codes is False  # membership checkout takes no typed codes by default
    change = reverse("admin:clubs_club_change", args=[club.pk])
    assert 'name="accepts_promotion_codes"' in client.get(change).content.decode()
    response = client.post(change, club_form(accepts_promotion_codes="on"))
    assert response.status_code == 302
    club.refresh_from_db()
    assert club.accepts_promotion_codes is True


def test_a_cover_that_is_not_an_image_is_refused(staff_client):
    client, _ = staff_client
    fake = SimpleUploadedFile("cover.png", b"not really a png", content_type="image/png")
    response = client.post(reverse("admin:clubs_club_add"), club_form(cover_image=fake))
    assert response.status_code == 200
    assert not Club.objects.filter(slug="yoga-friends").exists()


def test_status_change_in_admin_goes_through_the_service_and_is_recorded(staff_client):
    client, staff = staff_client
    membership = MembershipFactory(status=MembershipStatus.ACTIVE)
    url = reverse("admin:clubs_membership_change", args=[membership.pk])
    data = {
        "user": membership.user.pk,
        "club": membership.club.pk,
        "plan": membership.plan.pk,
        "status": MembershipStatus.PAST_DUE,
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    assert client.post(url, data).status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE
    assert membership.grace_period_ends_at is not None
    change = MembershipStatusChange.objects.get(membership=membership, to_status=MembershipStatus.PAST_DUE)
    assert change.actor == staff and change.from_status == MembershipStatus.ACTIVE


def test_admin_search_finds_memberships_by_email(staff_client):
    client, _ = staff_client
    MembershipFactory(user=UserFactory(email="findme@example.com"), club=ClubFactory())
    response = client.get(reverse("admin:clubs_membership_changelist"), {"q": "findme"})
    assert "findme@example.com" in response.content.decode()


def test_staff_export_selected_memberships_as_csv_audited(staff_client, club):
    import csv
    import io

    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    from core.models import StaffAction

    client, staff = staff_client
    ada = MembershipFactory(club=club, user=UserFactory(email="ada@example.com", display_name="Ada"))
    MembershipFactory(club=club, user=UserFactory(email="left-out@example.com"))

    response = client.post(
        reverse("admin:clubs_membership_changelist"), {"action": "export_csv", ACTION_CHECKBOX_NAME: [ada.pk]}
    )

    header, *rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert header[:4] == ["user__email", "user__display_name", "club__slug", "plan__name"]
    assert [row[:3] for row in rows] == [["ada@example.com", "Ada", club.slug]]
    action = StaffAction.objects.get(action="export_csv")
    assert (action.actor, action.after) == (staff, {"rows": 1})


def test_roster_links_to_member_import_and_export(actor_client, club):
    client, _leader = actor_client("leader")
    html = client.get(reverse("clubs:club-roster", args=[club.slug])).content.decode()
    assert f'href="{reverse("imports:import-start", args=[club.slug])}"' in html
    assert f'href="{reverse("imports:member-export", args=[club.slug])}"' in html
