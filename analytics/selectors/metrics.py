"""Retention and revenue figures of a period, per club, from one grouped SQL query.

Every membership that had started by the end of the period is classified in SQL by its status at
the start and at the end, what it paid per month at each instant, its plan and whether it stayed a
year; the database returns one row per distinct combination with a count. Python only folds those
few rows (a handful per plan and status), never the members themselves.

Definitions (shown on the dashboards too):
- S: members at the start, E: members at the end, N: members at the end who were not members at
  the start (joined or came back during the period). Retention = (E - N) / S x 100, the share of
  S still there at the end; churn rate = 100 - retention; churned members = S - (E - N).
- MRR at an instant: the monthly value of each paying membership (active or past due, never a trial
  or complimentary). Movements compare each membership's MRR at the start and the end: new (from 0),
  expansion (up), contraction (down, still paying), churned (to 0). MRR end = start + new + expansion
  - contraction - churned. Money stays per currency.
- ARPU: MRR at the end ÷ paying members at the end (per month).
- LTV: ARPU ÷ monthly churn, the period's churn turned into a monthly rate by compounding:
  1 - retention^(30.4375 / days). No churn in the period: no finite LTV ("—").
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from analytics.selectors.history import (
    MEMBER_STATUSES,
    PAYING_STATUSES,
    lapsed_between,
    monthly_amount_at,
    status_at,
)
from analytics.selectors.period import Period
from billing.models import Invoice
from clubs.models import Club, Membership, MembershipStatus, Plan

DAYS_PER_MONTH = 30.4375
LOYAL_AFTER = timedelta(days=365)


def percent(part: int | Fraction, whole: int) -> Fraction | None:
    return Fraction(part) * 100 / whole if whole else None


@dataclass
class MemberFigures:
    days: float
    start: int = 0
    end: int = 0
    new: int = 0
    paying_end: int = 0
    loyal: int = 0
    on_longest_plan: int = 0
    tenure_total: timedelta = field(default_factory=timedelta)

    def add(self, other: "MemberFigures") -> None:
        for name in ("start", "end", "new", "paying_end", "loyal", "on_longest_plan"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.tenure_total += other.tenure_total

    @property
    def retained(self) -> int:
        return self.end - self.new

    @property
    def churned(self) -> int:
        return self.start - self.retained

    @property
    def retention_rate(self) -> Fraction | None:
        return percent(self.retained, self.start)

    @property
    def churn_rate(self) -> Fraction | None:
        return percent(self.churned, self.start)

    @property
    def monthly_churn(self) -> float | None:
        """The period's churn as a monthly rate (compounded), for LTV."""
        if not self.start:
            return None
        retention = max(self.retained, 0) / self.start
        return 1 - retention ** (DAYS_PER_MONTH / self.days)

    @property
    def average_tenure_days(self) -> float | None:
        return self.tenure_total.total_seconds() / 86400 / self.end if self.end else None

    @property
    def longest_plan_share(self) -> Fraction | None:
        return percent(self.on_longest_plan, self.end)

    @property
    def loyal_share(self) -> Fraction | None:
        return percent(self.loyal, self.end)


@dataclass
class MoneyFigures:
    currency: str
    mrr_start: Decimal = Decimal(0)
    mrr_end: Decimal = Decimal(0)
    new: Decimal = Decimal(0)
    expansion: Decimal = Decimal(0)
    contraction: Decimal = Decimal(0)
    churned: Decimal = Decimal(0)
    paying_end: int = 0
    revenue_paid: int = 0
    revenue_refunded: int = 0

    def add(self, other: "MoneyFigures") -> None:
        for name in (
            "mrr_start",
            "mrr_end",
            "new",
            "expansion",
            "contraction",
            "churned",
            "paying_end",
            "revenue_paid",
            "revenue_refunded",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def minor(self, name: str) -> int:
        return int(Decimal(getattr(self, name)).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def net_revenue(self) -> int:
        return self.revenue_paid - self.revenue_refunded

    @property
    def arpu(self) -> Decimal | None:
        return self.mrr_end / self.paying_end if self.paying_end else None


def lifetime_value(*, money: MoneyFigures, members: MemberFigures) -> Decimal | None:
    """ARPU ÷ monthly churn, in minor units; None when either is unknown or nobody churned."""
    churn = members.monthly_churn
    if money.arpu is None or not churn or churn <= 0:
        return None
    return money.arpu / Decimal(str(churn))


@dataclass
class PlanShare:
    plan: Plan | None
    members: int
    share: Fraction | None
    is_longest: bool


@dataclass
class ClubMetrics:
    club: Club
    members: MemberFigures
    money: MoneyFigures
    plan_mix: list[PlanShare]

    @property
    def ltv(self) -> Decimal | None:
        return lifetime_value(money=self.money, members=self.members)


@dataclass
class CurrencyTotal:
    currency: str
    members: MemberFigures
    money: MoneyFigures

    @property
    def ltv(self) -> Decimal | None:
        return lifetime_value(money=self.money, members=self.members)


@dataclass
class PeriodMetrics:
    period: Period
    clubs: list[ClubMetrics]
    total: MemberFigures
    by_currency: list[CurrencyTotal]


def _membership_groups(*, clubs: QuerySet[Club], period: Period):
    """One row per distinct (club, status then and now, MRR then and now, plan, a year's stay) with a count."""
    start, end = period.start, period.end
    tenure = ExpressionWrapper(Value(end) - F("started_at"), output_field=DurationField())
    stayed_a_year = Case(
        When(Q(started_at__lte=end - LOYAL_AFTER) & ~lapsed_between("started_at", end), then=Value(True)),
        default=Value(False),
    )
    # Canceled before the period and not back since (a comeback clears canceled_at): nothing to count.
    gone_before = Q(status=MembershipStatus.CANCELED, canceled_at__lt=start)
    return (
        Membership.objects.filter(club__in=clubs, started_at__lte=end)
        .exclude(gone_before)
        .annotate(
            status_start=status_at(start),
            status_end=status_at(end),
            monthly_start=monthly_amount_at(start),
            monthly_end=monthly_amount_at(end),
            stayed_a_year=stayed_a_year,
        )
        .order_by()
        .values(
            "club_id",
            "status_start",
            "status_end",
            "monthly_start",
            "monthly_end",
            "is_complimentary",
            "plan_id",
            "stayed_a_year",
        )
        .annotate(count=Count("pk"), tenure=Sum(tenure))
    )


def _revenue(*, clubs: QuerySet[Club], period: Period) -> dict[int, tuple[int, int]]:
    """Paid and refunded amounts of the invoices paid in the period, per club (same currency as the club)."""
    rows = (
        Invoice.objects.filter(
            subscription__membership__club__in=clubs, paid_at__gte=period.start, paid_at__lt=period.end
        )
        .order_by()
        .values("subscription__membership__club_id")
        .annotate(paid=Coalesce(Sum("amount_paid_minor"), 0), refunded=Coalesce(Sum("amount_refunded_minor"), 0))
    )
    return {row["subscription__membership__club_id"]: (row["paid"], row["refunded"]) for row in rows}


def _longest_plan_ids(plans: list[Plan]) -> set[int]:
    """Per club, its longest plan (active ones first): members there are the most committed."""
    longest: dict[int, Plan] = {}
    for plan in plans:
        best = longest.get(plan.club_id)
        if best is None or (plan.is_active, plan.months) > (best.is_active, best.months):
            longest[plan.club_id] = plan
    return {plan.pk for plan in longest.values()}


def period_metrics(*, clubs: QuerySet[Club], period: Period) -> PeriodMetrics:
    """Figures of each club in ``clubs`` for ``period`` and their totals (4 queries)."""
    club_list = list(clubs.order_by("name"))
    plans = list(Plan.objects.filter(club__in=[club.pk for club in club_list]))
    plans_by_id = {plan.pk: plan for plan in plans}
    longest_ids = _longest_plan_ids(plans)
    members = {club.pk: MemberFigures(days=period.days) for club in club_list}
    money = {club.pk: MoneyFigures(currency=club.currency) for club in club_list}
    plan_counts: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))

    for row in _membership_groups(clubs=clubs, period=period):
        club_id, count = row["club_id"], row["count"]
        figures, cash = members[club_id], money[club_id]
        was_member = row["status_start"] in MEMBER_STATUSES
        is_member = row["status_end"] in MEMBER_STATUSES
        paying = not row["is_complimentary"]
        mrr_start = (row["monthly_start"] or Decimal(0)) if paying and row["status_start"] in PAYING_STATUSES else 0
        mrr_end = (row["monthly_end"] or Decimal(0)) if paying and row["status_end"] in PAYING_STATUSES else 0
        figures.start += count if was_member else 0
        if is_member:
            figures.end += count
            figures.new += 0 if was_member else count
            figures.loyal += count if row["stayed_a_year"] else 0
            figures.on_longest_plan += count if row["plan_id"] in longest_ids else 0
            figures.tenure_total += row["tenure"] or timedelta()
            plan_counts[club_id][row["plan_id"]] += count
        cash.mrr_start += mrr_start * count
        cash.mrr_end += mrr_end * count
        if mrr_end:
            figures.paying_end += count
            cash.paying_end += count
        if not mrr_start and mrr_end:
            cash.new += mrr_end * count
        elif mrr_start and not mrr_end:
            cash.churned += mrr_start * count
        elif mrr_end > mrr_start:
            cash.expansion += (mrr_end - mrr_start) * count
        elif mrr_end < mrr_start:
            cash.contraction += (mrr_start - mrr_end) * count

    for club_id, (paid, refunded) in _revenue(clubs=clubs, period=period).items():
        money[club_id].revenue_paid += paid
        money[club_id].revenue_refunded += refunded

    club_metrics = []
    for club in club_list:
        figures = members[club.pk]
        club_plans = [plan for plan in plans if plan.club_id == club.pk]
        mix = [
            PlanShare(
                plan=plan,
                members=plan_counts[club.pk].get(plan.pk, 0),
                share=percent(plan_counts[club.pk].get(plan.pk, 0), figures.end),
                is_longest=plan.pk in longest_ids,
            )
            for plan in sorted(club_plans, key=lambda plan: (plan.months, plan.order))
            if plan.is_active or plan_counts[club.pk].get(plan.pk)
        ]
        without_plan = sum(count for plan_id, count in plan_counts[club.pk].items() if plan_id not in plans_by_id)
        if without_plan:
            mix.append(
                PlanShare(plan=None, members=without_plan, share=percent(without_plan, figures.end), is_longest=False)
            )
        club_metrics.append(ClubMetrics(club=club, members=figures, money=money[club.pk], plan_mix=mix))

    total = MemberFigures(days=period.days)
    currencies: dict[str, CurrencyTotal] = {}
    for item in club_metrics:
        total.add(item.members)
        currency = item.money.currency
        bucket = currencies.setdefault(
            currency,
            CurrencyTotal(currency=currency, members=MemberFigures(days=period.days), money=MoneyFigures(currency)),
        )
        bucket.members.add(item.members)
        bucket.money.add(item.money)
    return PeriodMetrics(
        period=period,
        clubs=club_metrics,
        total=total,
        by_currency=sorted(currencies.values(), key=lambda c: c.currency),
    )
