"""What the import preview shows a leader (visual review, 2026-12-02): the complimentary day as written in the
file, errors marked as errors, and each cell named for phones, where the table's rows become blocks."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from clubs.models import Club
from imports.services import import_preview
from tests.imports.helpers import csv_bytes, leader_of

pytestmark = pytest.mark.django_db

HEADER = "email,name,plan,complimentary_until,stripe_subscription_id,club_emails"


class Cells(HTMLParser):
    """The data-label of every cell of the rows table, and the classes of <strong> in the outcome cells."""

    def __init__(self):
        super().__init__()
        self.labels: list[str | None] = []
        self.outcome_strong_classes: list[str] = []
        self._in_rows = self._in_outcome = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid") == "import-rows":
            self._in_rows = True
        elif self._in_rows and tag == "td":
            self.labels.append(attrs.get("data-label"))
            self._in_outcome = attrs.get("data-testid") == "row-outcome"
        elif self._in_outcome and tag == "strong":
            self.outcome_strong_classes.append(attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_rows = False
        elif tag == "td":
            self._in_outcome = False


def preview_page(client, club, *lines: str) -> str:
    leader = leader_of(club)
    job = import_preview(
        club=club,
        actor=leader,
        data=csv_bytes(HEADER, *lines),
        filename="members.csv",
        complimentary_until=None,
        default_plan=None,
        send_invitations=False,
    )
    client.force_login(leader)
    return client.get(reverse("imports:import-preview", args=[club.slug, job.pk])).content.decode()


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo", "UTC"])
def test_preview_shows_the_complimentary_day_of_the_file_not_the_day_after(client, club, zone):
    Club.objects.filter(pk=club.pk).update(time_zone=zone)
    club.refresh_from_db()
    page = preview_page(client, club, "ada@example.com,Ada Lovelace,Monthly,2027-06-30,,yes")
    # English DATE_FORMAT "N j, Y": the day the leader typed, whatever the club's zone.
    assert "Complimentary until June 30, 2027" in page
    assert "July 1, 2027" not in page


def test_preview_rows_name_their_cells_and_mark_errors(client, club):
    page = preview_page(
        client,
        club,
        "ada@example.com,Ada Lovelace,Monthly,2027-06-30,,yes",
        "not-an-email,Broken,Monthly,2027-06-30,,yes",
    )
    cells = Cells()
    cells.feed(page)
    # Five columns per row: the member cell needs no label (its name and email say it), the four others have one.
    assert cells.labels == [("Line"), None, "Plan", "Access", "Outcome"] * 2
    assert cells.outcome_strong_classes == ["", "text-danger"]
