"""Every dashboard table as CSV rows: the same figures the page shows, money in major units.

The rows are written by the one CSV exporter (core/csv.py).
"""

from collections.abc import Callable, Iterable
from decimal import Decimal

from django.http import StreamingHttpResponse

from analytics.db import report_queries
from analytics.selectors import Dashboard
from analytics.selectors.engagement import INACTIVE_THRESHOLDS, inactive_members
from analytics.selectors.metrics import lifetime_value
from analytics.selectors.nps import nps_comments
from clubs.models import Club
from core.csv import csv_response as csv_download
from core.formatting import round_half_up
from core.money import to_major


def _money(amount, currency: str) -> Decimal | str:
    """A number, not text: the exporter leaves numbers alone, so a negative amount stays a number."""
    if amount is None:
        return ""
    # Whole minor units rounded half up: exactly the amount the page shows (core.formatting.round_half_up).
    return to_major(int(round_half_up(amount)), currency)


def _number(value, decimals: int = 1) -> Decimal | str:
    return "" if value is None else round_half_up(value, decimals)


def _summary(dashboard: Dashboard) -> Iterable[list]:
    yield [
        "club", "currency", "members_at_start", "new_members", "new_members_from_gifts", "members_at_end",
        "churned_members", "retention_percent", "churn_percent", "paused_at_end", "paused_during_period",
        "resumed_from_pause", "left_while_paused", "over_12_months", "average_tenure_days", "on_longest_plan_percent",
        "mrr_start", "mrr_new", "mrr_expansion", "mrr_contraction", "mrr_churned", "mrr_paused", "mrr_resumed",
        "mrr_end", "paying_members",
        "arpu", "ltv", "revenue_paid", "revenue_refunded", "nps", "nps_answers", "attendance_percent",
        "achievements_per_member", *(f"inactive_{days}_days" for days in INACTIVE_THRESHOLDS),
    ]  # fmt: skip
    for item in dashboard.metrics.clubs:
        members, money, currency = item.members, item.money, item.money.currency
        nps = dashboard.nps_per_club.get(item.club.pk)
        engagement = dashboard.engagement.get(item.club.pk)
        yield [
            item.club.name, currency, members.start, members.new, members.new_from_gifts, members.end,
            members.churned, _number(members.retention_rate), _number(members.churn_rate), members.paused_end,
            members.paused_during, members.resumed, members.left_while_paused, members.loyal,
            _number(members.average_tenure_days), _number(members.longest_plan_share),
            *(_money(getattr(money, name), currency)
              for name in ("mrr_start", "new", "expansion", "contraction", "churned", "paused", "resumed", "mrr_end")),
            money.paying_end, _money(money.arpu, currency),
            _money(lifetime_value(money=money, members=members), currency),
            _money(money.revenue_paid, currency), _money(money.revenue_refunded, currency),
            nps.score if nps else "", nps.answers if nps else 0,
            _number(engagement.attendance_rate if engagement else None),
            _number(engagement.achievements_per_member(members.end) if engagement else None, 2),
            *((engagement.inactive or {}).get(days, 0) if engagement else 0 for days in INACTIVE_THRESHOLDS),
        ]  # fmt: skip


def _plans(dashboard: Dashboard) -> Iterable[list]:
    yield ["club", "plan", "members_at_end", "share_percent", "longest_plan"]
    for item in dashboard.metrics.clubs:
        for share in item.plan_mix:
            plan_name = share.plan.name if share.plan else ""
            yield [item.club.name, plan_name, share.members, _number(share.share), "yes" if share.is_longest else "no"]


def _cohorts(dashboard: Dashboard) -> Iterable[list]:
    months = len(dashboard.cohorts[0].cells) if dashboard.cohorts else 12
    yield ["join_month", "members", *(f"month_{offset}_percent" for offset in range(months))]
    for cohort in dashboard.cohorts:
        cells = [_number(cell.percent) if cell else "" for cell in cohort.cells]
        yield [cohort.month.strftime("%Y-%m"), cohort.size, *cells]


def _nps(dashboard: Dashboard) -> Iterable[list]:
    yield ["month", "answers", "promoters", "passives", "detractors", "nps"]
    for month in dashboard.nps_trend:
        figures = month.figures
        yield [month.month.strftime("%Y-%m"), figures.answers, figures.promoters, figures.passives,
               figures.detractors, figures.score]  # fmt: skip


def _comments(dashboard: Dashboard) -> Iterable[list]:
    yield ["answered_at", "club", "score", "comment"]
    for answer in nps_comments(clubs=dashboard.clubs, period=dashboard.period, limit=None).iterator():
        yield [answer.answered_at.isoformat(), answer.club.name, answer.score, answer.comment]


def _inactive(dashboard: Dashboard) -> Iterable[list]:
    yield ["member", "email", "club", "plan", "member_since", "quiet_for_at_least_days"]
    for membership in inactive_members(clubs=dashboard.clubs, now=dashboard.now, limit=None).iterator():
        yield [
            membership.user.public_name, membership.user.email, membership.club.name,
            membership.plan.name if membership.plan else "",
            membership.started_at.date().isoformat() if membership.started_at else "",
            membership.quiet_for,
        ]  # fmt: skip


def _history(dashboard: Dashboard) -> Iterable[list]:
    yield ["day", "currency", "members", "paying_members", "mrr"]
    for row in dashboard.history:
        yield [row["day"].isoformat(), row["currency"], row["members"], row["paying"],
               _money(row["mrr_minor"], row["currency"])]  # fmt: skip


def _cancellations(dashboard: Dashboard) -> Iterable[list]:
    yield ["reason", "times_given"]
    for item in dashboard.cancellation_reasons:
        yield [item.label, item.count]


TABLES: dict[str, Callable[[Dashboard], Iterable[list]]] = {
    "summary": _summary,
    "plans": _plans,
    "cohorts": _cohorts,
    "nps": _nps,
    "comments": _comments,
    "cancellations": _cancellations,
    "inactive": _inactive,
    "history": _history,
}


def csv_response(*, table: str, dashboard: Dashboard, club: Club | None) -> StreamingHttpResponse:
    """One table as a CSV download; rows are read inside ``report_queries`` and then streamed out."""
    with report_queries():
        rows = list(TABLES[table](dashboard))
    scope = club.slug if club else "all-clubs"
    name = f"{scope}-{table}-{dashboard.period.first_day.isoformat()}-{dashboard.period.last_day.isoformat()}.csv"
    return csv_download(rows=rows, filename=name)
