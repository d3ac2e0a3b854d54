"""Dashboards: figures on the page, every table as CSV, the period form, and query budgets."""

import csv
import io
import re
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from analytics.csv_export import TABLES
from analytics.models import MetricSnapshot
from analytics.selectors.engagement import INACTIVE_SHOWN
from tests.analytics.factories import member_with_history, nps_answer, subscription_with_prices
from tests.events.factories import AttendanceFactory, EventOccurrenceFactory, RsvpFactory
from tests.factories import ClubFactory, PlanFactory, UserFactory
from tests.feed.factories import AchievementFactory

pytestmark = pytest.mark.django_db

CLUB_DASHBOARD_QUERIES = 28  # one query per section (the last is why members cancel), the bell; pauses and gifts
STAFF_DASHBOARD_QUERIES = 23  # with the pauses and the new members from gifts (one query each)


def _leader_of(club):
    leader = UserFactory()
    club.leaders.add(leader)
    return leader


def _populate(club, members: int):
    """``members`` paying members with history, answers, events and achievements, plus a snapshot."""
    now = timezone.now()
    plans = list(club.plans.order_by("order"))
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(days=-2))
    for index in range(members):
        joined = now - timedelta(days=40 + index * 13)
        membership = member_with_history(club=club, plan=plans[index % len(plans)], history=[(joined, "active")])
        subscription_with_prices(membership=membership, prices=[(joined, 500, 500)])
        nps_answer(
            club=club, score=index % 11, at=now - timedelta(days=3), comment=f"Comment {index}", membership=membership
        )
        RsvpFactory(occurrence=occurrence, user=membership.user)
        if index % 2:
            AttendanceFactory(occurrence=occurrence, user=membership.user)
            AchievementFactory(club=club, author=membership.user, created_at=now - timedelta(days=1))
    MetricSnapshot.objects.create(
        club=club, day=now.date() - timedelta(days=1), members=members, paying_members=members, new_members=0,
        churned_members=0, mrr_minor=500 * members, currency=club.currency,
    )  # fmt: skip


def test_leader_sees_the_figures_of_their_club(client, club):
    _populate(club, 3)
    client.force_login(_leader_of(club))
    response = client.get(reverse("analytics:club-dashboard", args=[club.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dashboard of Healthy and Happy Club" in page
    assert "$15.00" in page  # MRR: three members at $5.00 a month
    assert "Comment 2" in page
    assert 'id="analytics-chart-data" type="application/json"' in page


def test_dashboard_pages_have_no_inline_script_or_style(client, club):
    _populate(club, 2)
    client.force_login(UserFactory(is_staff=True))
    for url in (reverse("analytics:club-dashboard", args=[club.slug]), reverse("analytics:staff-dashboard")):
        page = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", page)
        assert " style=" not in page and "<style" not in page
        assert not re.search(r"\son[a-z]+=", page)


def test_cohort_heatmap_uses_css_buckets(client, club):
    _populate(club, 2)
    client.force_login(_leader_of(club))
    page = client.get(reverse("analytics:club-dashboard", args=[club.slug]) + "?preset=year").content.decode()
    assert re.search(r'<td class="heat-\d+">', page)


def test_staff_dashboard_keeps_currencies_apart(client, club):
    _populate(club, 2)
    euro_club = ClubFactory(name="Euro Club", currency="EUR")
    plan = PlanFactory(club=euro_club, price_minor=900, currency="EUR")
    member = member_with_history(club=euro_club, plan=plan, history=[(timezone.now() - timedelta(days=90), "active")])
    subscription_with_prices(membership=member, prices=[(timezone.now() - timedelta(days=90), 900, 900)])
    client.force_login(UserFactory(is_staff=True))
    page = client.get(reverse("analytics:staff-dashboard")).content.decode()
    assert "All clubs in EUR" in page and "All clubs in USD" in page
    assert "€9.00" in page and "$10.00" in page


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_downloads_as_csv_for_leaders_and_staff(client, club, table):
    _populate(club, 2)
    client.force_login(_leader_of(club))
    response = client.get(reverse("analytics:club-dashboard-csv", args=[club.slug, table]) + "?preset=quarter")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"{club.slug}-{table}-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and rows[0]
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("analytics:staff-dashboard-csv", args=[table]))
    assert response.status_code == 200


def test_summary_csv_holds_the_figures_in_major_units(client, club):
    _populate(club, 3)
    client.force_login(_leader_of(club))
    response = client.get(reverse("analytics:club-dashboard-csv", args=[club.slug, "summary"]))
    header, row = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    figures = dict(zip(header, row, strict=True))
    assert (figures["members_at_end"], figures["mrr_end"], figures["currency"]) == ("3", "15.00", "USD")


def test_unknown_csv_table_is_404(client, club):
    client.force_login(_leader_of(club))
    assert client.get(reverse("analytics:club-dashboard-csv", args=[club.slug, "secrets"])).status_code == 404


def test_chosen_dates_set_the_period_and_bad_dates_explain_themselves(client, club):
    client.force_login(_leader_of(club))
    url = reverse("analytics:club-dashboard", args=[club.slug])
    page = client.get(url + "?start=2026-01-01&end=2026-01-31").content.decode()
    assert 'value="2026-01-01"' in page and 'value="2026-01-31"' in page
    page = client.get(url + "?start=2026-02-01&end=2026-01-01").content.decode()
    assert "The start date must be on or before the end date." in page


def test_inactive_list_is_capped_on_the_page_but_full_in_the_csv(client, club):
    plan = club.plans.first()
    long_ago = timezone.now() - timedelta(days=200)
    for _index in range(INACTIVE_SHOWN + 2):
        member_with_history(club=club, plan=plan, history=[(long_ago, "active")])
    client.force_login(_leader_of(club))
    response = client.get(reverse("analytics:club-dashboard", args=[club.slug]))
    assert len(response.context["dashboard"].inactive) == INACTIVE_SHOWN
    response = client.get(reverse("analytics:club-dashboard-csv", args=[club.slug, "inactive"]))
    assert len(b"".join(response.streaming_content).decode().strip().splitlines()) == INACTIVE_SHOWN + 3


@pytest.mark.parametrize("members", [1, 25])
def test_club_dashboard_query_budget(client, club, django_assert_max_num_queries, members):
    _populate(club, members)
    client.force_login(_leader_of(club))
    with django_assert_max_num_queries(CLUB_DASHBOARD_QUERIES):
        assert client.get(reverse("analytics:club-dashboard", args=[club.slug])).status_code == 200


@pytest.mark.parametrize("clubs", [1, 6])
def test_staff_dashboard_query_budget(client, club, django_assert_max_num_queries, clubs):
    _populate(club, 5)
    for _index in range(clubs - 1):
        other = ClubFactory()
        PlanFactory(club=other)
        _populate(other, 5)
    client.force_login(UserFactory(is_staff=True))
    with django_assert_max_num_queries(STAFF_DASHBOARD_QUERIES + _session_settings()):
        assert client.get(reverse("analytics:staff-dashboard")).status_code == 200


def _session_settings() -> int:
    """PostgreSQL turns JIT off around the grouped queries and resets it (analytics/db.py): two statements."""
    from django.db import connection

    return 2 if connection.vendor == "postgresql" else 0


def test_cancellation_reasons_of_the_period_appear_on_the_dashboard_and_in_csv(client, club):
    from automations.models import CancellationFeedback

    now = timezone.now()
    for reasons, days_ago in [(["too_expensive", "no_time"], 3), (["too_expensive"], 5), (["no_time"], 200)]:
        membership = member_with_history(club=club, plan=club.plans.first(), history=[(now, "active")])
        CancellationFeedback.objects.create(
            club=club, membership=membership, user=membership.user, reasons=reasons,
            created_at=now - timedelta(days=days_ago),
        )  # fmt: skip
    client.force_login(_leader_of(club))

    page = client.get(reverse("analytics:club-dashboard", args=[club.slug]), {"preset": "30d"}).content.decode()
    assert "Why members cancel" in page
    response = client.get(reverse("analytics:club-dashboard-csv", args=[club.slug, "cancellations"]), {"preset": "30d"})
    rows = dict(list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))[1:])
    assert rows["It costs too much"] == "2"
    assert rows["I don't have the time"] == "1"  # the answer of 200 days ago is outside the period


def _dashboard_urls(club) -> dict:
    return {
        "leader": [
            reverse("analytics:club-dashboard", args=[club.slug]),
            reverse("analytics:club-dashboard-csv", args=[club.slug, "summary"]),
        ],
        "staff": [reverse("analytics:staff-dashboard"), reverse("analytics:staff-dashboard-csv", args=["summary"])],
    }


@pytest.mark.parametrize("role", ["leader", "staff"])
def test_dashboard_with_year_9999_period_answers_400_with_a_message_not_500(client, club, role):
    client.force_login(_leader_of(club) if role == "leader" else UserFactory(is_staff=True))
    page_url, _csv_url = _dashboard_urls(club)[role]
    response = client.get(page_url, {"start": "9997-01-01", "end": "9999-12-31"})
    assert response.status_code == 400
    assert "Choose a date between" in response.content.decode()
    # The page falls back to the default period, and its date inputs carry the range the browser enforces.
    period = response.context["dashboard"].period
    assert (period.last_day - period.first_day).days == 29  # the default: the last 30 days
    assert f'min="2000-01-01" max="{(timezone.localdate() + relativedelta(years=1)).isoformat()}"' in (
        response.content.decode()
    )


@pytest.mark.parametrize("role", ["leader", "staff"])
def test_dashboard_csv_with_year_9999_period_answers_400_with_a_message_not_500(client, club, role):
    client.force_login(_leader_of(club) if role == "leader" else UserFactory(is_staff=True))
    _page_url, csv_url = _dashboard_urls(club)[role]
    for query in ({"start": "9997-01-01", "end": "9999-12-31"}, {"start": "0001-01-01", "end": "0001-01-02"}):
        response = client.get(csv_url, query)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/plain")
        assert "Choose a date between" in response.content.decode()


def test_dashboard_dates_at_the_edges_of_the_range_are_accepted_and_beyond_refused(client, club):
    client.force_login(_leader_of(club))
    url = reverse("analytics:club-dashboard", args=[club.slug])
    last = timezone.localdate() + relativedelta(years=1)
    assert client.get(url, {"start": "2000-01-01", "end": "2002-12-31"}).status_code == 200
    assert (
        client.get(url, {"start": (last - timedelta(days=30)).isoformat(), "end": last.isoformat()}).status_code == 200
    )
    assert client.get(url, {"start": "1999-12-31", "end": "2000-01-31"}).status_code == 400
    beyond = last + timedelta(days=1)
    assert client.get(url, {"start": last.isoformat(), "end": beyond.isoformat()}).status_code == 400
