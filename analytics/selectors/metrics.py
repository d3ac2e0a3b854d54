"""Retention and revenue figures of a period, per club, from one grouped SQL query.

Every membership is read at two instants, the start and the end of the period, from its access
record then (``analytics.AccessRecord``: what was true at that moment, never today's row), and the
database returns one row per distinct combination with a count. Python only folds those few rows.

Definitions (shown on the dashboards too):
- A customer at an instant: a member with access then, by ``MembershipQuerySet.with_access``
  evaluated at that instant (past due only while its grace lasts, complimentary until its end date).
- S: customers at the start, E: customers at the end, N: customers at the end who were not at the
  start (joined or came back during the period). Retention = (E - N) / S x 100; churn = lost / S
  with lost = S - (E - N).
- MRR at an instant: what each paying customer (active or past due in grace, never a trial or
  complimentary) paid then, normalised per month. Movements compare each membership's MRR at the start
  and the end: new (from 0), expansion (up), contraction (down, still paying), churned (to 0).
  Money stays per currency. Revenue: invoices paid in the period less refunds made in it.
- ARPU: MRR at the end ÷ paying customers at the end (per month).
- LTV: ARPU ÷ monthly churn, the period's churn turned into a monthly rate by compounding over the
  elapsed days: 1 - retention^(30.4375 / days). No churn in the period: no finite LTV ("—").
- Plan mix and "on the longest plan": the plan held at the end. Average tenure: time with access up
  to the end (gaps between leaving and rejoining left out) over E. Over 12 months: unbroken access
  for the last 365 days.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.models import RefundRecord
from analytics.selectors.closed_days import in_ranges, snapshot_sums
from analytics.selectors.history import PAYING_STATUSES
from analytics.selectors.period import Period
from billing.models import Invoice
from clubs.models import Club, Membership, Plan

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


def _record_at(at: datetime, *, club_ids: list[int]) -> FilteredRelation:
    """Each membership's one access record covering ``at`` (records are contiguous, never overlapping).

    ``club_ids``, the clubs the memberships are read from, restricts nothing (a record's club is its
    membership's) but lets PostgreSQL read only those clubs' records by the (club, valid_from) index
    instead of every club's: a leader's dashboard at 100,000 memberships, 0.31 s -> 0.12 s for this query
    (bench/analytics).
    """
    return FilteredRelation(
        "access_records",
        condition=Q(access_records__club_id__in=club_ids)
        & Q(access_records__valid_from__lte=at)
        & (Q(access_records__valid_to__gt=at) | Q(access_records__valid_to__isnull=True)),
    )


def _access_at(alias: str, at: datetime) -> Q:
    """``MembershipQuerySet.with_access`` at ``at``, on the state the membership had then."""
    return Q(**{f"{alias}__has_access": True}) & (
        Q(**{f"{alias}__access_until__isnull": True}) | Q(**{f"{alias}__access_until__gt": at})
    )


def _paying_at(alias: str, at: datetime) -> Q:
    """A customer who paid then: access, not complimentary, active or past due in grace (trials pay nothing yet)."""
    return (
        _access_at(alias, at)
        & Q(**{f"{alias}__is_complimentary": False})
        & Q(**{f"{alias}__status__in": PAYING_STATUSES})
    )


def _membership_groups(*, clubs: QuerySet[Club], club_ids: list[int], period: Period):
    """One row per distinct (club, access and MRR at the start and the end, plan at the end, a year's stay).

    Reads each membership's access record at the start and at the end by two joins (no per-row
    subquery), so the planner hashes the records once per instant whatever the member count.
    """
    start, end = period.start, period.end
    access_start, access_end = _access_at("at_start", start), _access_at("at_end", end)
    tenure = ExpressionWrapper(
        F("at_end__access_before") + ExpressionWrapper(Value(end) - F("at_end__valid_from"), DurationField()),
        output_field=DurationField(),
    )
    return (
        Membership.objects.filter(club__in=clubs)
        .annotate(at_start=_record_at(start, club_ids=club_ids), at_end=_record_at(end, club_ids=club_ids))
        .filter(access_start | access_end)
        .annotate(
            was_member=Case(When(access_start, then=Value(True)), default=Value(False)),
            is_member=Case(When(access_end, then=Value(True)), default=Value(False)),
            monthly_start=Case(When(_paying_at("at_start", start), then=F("at_start__monthly_amount_minor"))),
            monthly_end=Case(When(_paying_at("at_end", end), then=F("at_end__monthly_amount_minor"))),
            plan_end=Case(When(access_end, then=F("at_end__plan_id"))),
            stayed_a_year=Case(
                When(access_end & Q(at_end__access_since__lte=end - LOYAL_AFTER), then=Value(True)),
                default=Value(False),
            ),
        )
        .order_by()
        .values("club_id", "was_member", "is_member", "monthly_start", "monthly_end", "plan_end", "stayed_a_year")
        .annotate(count=Count("pk"), tenure=Sum(Case(When(access_end, then=tenure), output_field=DurationField())))
    )


def _revenue(*, clubs: QuerySet[Club], period: Period, use_snapshots: bool = True) -> dict[int, tuple[int, int]]:
    """Paid in the period (invoices by the day they were paid) and refunded in it (by the day of the refund).

    A refund counts on the day it was made, so a closed month never changes afterwards. The period's
    closed days come from the nightly snapshots where every club has them (``closed_days``), the rest
    is read live (2 or 3 queries).
    """
    result: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    live = [(period.start, period.end)]
    if use_snapshots:
        covered, live = snapshot_sums(
            clubs=clubs,
            start=period.start,
            end=period.end,
            now=timezone.now(),
            fields=("revenue_paid_minor", "revenue_refunded_minor"),
        )
        result.update(covered)
    if not live:
        return result
    paid = (
        Invoice.objects.filter(in_ranges("paid_at", live), subscription__membership__club__in=clubs)
        .order_by()
        .values("subscription__membership__club_id")
        .annotate(paid=Coalesce(Sum("amount_paid_minor"), 0))
    )
    refunded = (
        RefundRecord.objects.filter(in_ranges("refunded_at", live), club__in=clubs)
        .order_by()
        .values("club_id")
        .annotate(refunded=Coalesce(Sum("amount_minor"), 0))
    )
    for row in paid:
        club_id = row["subscription__membership__club_id"]
        result[club_id] = (result[club_id][0] + row["paid"], result[club_id][1])
    for row in refunded:
        result[row["club_id"]] = (result[row["club_id"]][0], result[row["club_id"]][1] + row["refunded"])
    return result


def _longest_plan_ids(plans: list[Plan]) -> set[int]:
    """Per club, its longest plan (active ones first): members there are the most committed."""
    longest: dict[int, Plan] = {}
    for plan in plans:
        best = longest.get(plan.club_id)
        if best is None or (plan.is_active, plan.months) > (best.is_active, best.months):
            longest[plan.club_id] = plan
    return {plan.pk for plan in longest.values()}


def period_metrics(*, clubs: QuerySet[Club], period: Period, use_snapshots: bool = True) -> PeriodMetrics:
    """Figures of each club in ``clubs`` for ``period`` and their totals (4 or 5 queries).

    ``use_snapshots``: read the revenue of the period's closed days from the nightly snapshots (the
    nightly task itself computes live).
    """
    club_list = list(clubs.order_by("name"))
    plans = list(Plan.objects.filter(club__in=[club.pk for club in club_list]))
    plans_by_id = {plan.pk: plan for plan in plans}
    longest_ids = _longest_plan_ids(plans)
    members = {club.pk: MemberFigures(days=period.days) for club in club_list}
    money = {club.pk: MoneyFigures(currency=club.currency) for club in club_list}
    plan_counts: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))

    for row in _membership_groups(clubs=clubs, club_ids=list(members), period=period):
        club_id, count = row["club_id"], row["count"]
        figures, cash = members[club_id], money[club_id]
        was_member, is_member = row["was_member"], row["is_member"]
        mrr_start = row["monthly_start"] or Decimal(0)
        mrr_end = row["monthly_end"] or Decimal(0)
        figures.start += count if was_member else 0
        if is_member:
            figures.end += count
            figures.new += 0 if was_member else count
            figures.loyal += count if row["stayed_a_year"] else 0
            figures.on_longest_plan += count if row["plan_end"] in longest_ids else 0
            figures.tenure_total += row["tenure"] or timedelta()
            plan_counts[club_id][row["plan_end"]] += count
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

    for club_id, (paid, refunded) in _revenue(clubs=clubs, period=period, use_snapshots=use_snapshots).items():
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
