"""Access-matrix rows for the imports app's URLs (collected by tests/test_access_matrix.py).

Every import page is a leaders' tool (the club's leaders and staff; 404 for everyone else, another club's
import included). The invitation link works for whoever holds it, signed in or not.
"""

from django.urls import reverse

from imports.models import ImportFormat, ImportJob
from imports.services import invitation_token
from tests.access import LEADERS_ONLY, Page, everyone
from tests.factories import ClubFactory, UserFactory


def _job(club) -> ImportJob:
    return ImportJob.objects.create(
        club=club, filename="members.csv", text="email\nada@example.com\n", headers=["email"],
        source_format=ImportFormat.GENERIC, mapping={"email": "email"},
    )  # fmt: skip


def preview_url(club) -> str:
    return reverse("imports:import-preview", args=[club.slug, _job(club).pk])


def another_clubs_preview_url(club) -> str:
    return reverse("imports:import-preview", args=[club.slug, _job(ClubFactory()).pk])


def confirm_url(club) -> str:
    return reverse("imports:import-confirm", args=[club.slug, _job(club).pk])


def the_preview(club) -> str:
    return reverse("imports:import-preview", args=[club.slug, ImportJob.objects.get(club=club).pk])


def invitation_url(club) -> str:
    invited = UserFactory()
    invited.set_unusable_password()
    invited.save()
    return reverse("imports:invitation-accept", args=[invitation_token(user=invited, club=club)])


def start_url(club) -> str:
    return reverse("imports:import-start", args=[club.slug])


PAGES = [
    Page("import-start", start_url, LEADERS_ONLY),
    # An empty form answers with its errors and reads nothing.
    Page("import-start-post", start_url, LEADERS_ONLY, method="post"),
    Page("import-template", lambda club: reverse("imports:import-template", args=[club.slug]), LEADERS_ONLY),
    Page("import-preview", preview_url, LEADERS_ONLY),
    Page("import-preview-of-another-club", another_clubs_preview_url, {**LEADERS_ONLY, "leader": 404, "staff": 404}),
    # A mapping without the email column is refused with the form's errors.
    Page("import-preview-post", preview_url, LEADERS_ONLY, method="post"),
    Page(
        "import-confirm-post", confirm_url, {**LEADERS_ONLY, "leader": the_preview, "staff": the_preview}, method="post"
    ),
    Page("member-export", lambda club: reverse("imports:member-export", args=[club.slug]), LEADERS_ONLY),
    Page("invitation-accept", invitation_url, everyone(200)),
    Page("invitation-accept-post", invitation_url, everyone(200), method="post"),
]
