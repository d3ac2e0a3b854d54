"""Access-matrix rows for privacy's URLs and clubs' double opt-in link (collected by tests/test_access_matrix.py).

The privacy page is everyone's own: signed in, each person sees only their data. Consents can be changed only for
a club one belongs (or belonged) to; any other club answers 404. An export's link opens only for its owner.
"""

from django.urls import reverse

from clubs.consent import CONFIRM_PURPOSE
from clubs.models import Consent, ConsentPurpose, ConsentSource, ConsentStatus
from core.tokens import token_make
from privacy.models import DataExport
from privacy.services.export import DOWNLOAD_PURPOSE
from tests.access import LOGIN, Page, everyone, signed_in
from tests.factories import MembershipFactory


def privacy_home(club) -> str:
    return reverse("privacy:home")


def consent_update_url(club) -> str:
    return reverse("privacy:consent-update", args=[club.pk, ConsentPurpose.OFFERS])


def someone_elses_export(club) -> str:
    owner = MembershipFactory(club=club, plan=club.plans.first()).user
    export = DataExport.objects.create(user=owner)
    return reverse("privacy:export-download", args=[token_make(purpose=DOWNLOAD_PURPOSE, parts=[export.pk, owner.pk])])


def consent_confirm_url(club) -> str:
    """A double opt-in link: it works without logging in, for whoever holds it."""
    member = MembershipFactory(club=club, plan=club.plans.first(), consents=False).user
    consent = Consent.objects.create(
        user=member,
        club=club,
        purpose=ConsentPurpose.OFFERS,
        status=ConsentStatus.PENDING,
        source=ConsentSource.PROFILE,
    )
    return reverse("clubs:consent-confirm", args=[token_make(purpose=CONFIRM_PURPOSE, parts=[consent.pk])])


HOLDERS = ("pending", "lapsed", "member")  # roles with a membership of the club

PAGES = [
    Page("home", privacy_home, signed_in(200)),
    Page(
        "consent-update",
        consent_update_url,
        {**signed_in(404), **dict.fromkeys(HOLDERS, privacy_home)},
        method="post",
    ),
    Page("export-request", lambda club: reverse("privacy:export-request"), signed_in(privacy_home), method="post"),
    Page("export-download", someone_elses_export, {**everyone(404), "anonymous": LOGIN}),
    # Staff see the page with the reason they cannot erase their own account here.
    Page("erase", lambda club: reverse("privacy:erase"), signed_in(200)),
    # Without a password the form answers with its errors and erases nothing.
    Page("erase-post", lambda club: reverse("privacy:erase"), signed_in(200), method="post"),
    Page("erased", lambda club: reverse("privacy:erased"), everyone(200)),
    Page("consent-confirm", consent_confirm_url, everyone(200)),
    Page("consent-confirm-post", consent_confirm_url, everyone(200), method="post"),
]
