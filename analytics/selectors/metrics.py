"""Retention and revenue figures of a period, per club, from one grouped SQL query.

Every membership is read at two instants, the start and the end of the period, from its access
record then (``analytics.AccessRecord``: what was true at that moment, never today's row), and the
database returns one row per distinct combination with a count. Python only folds those few rows.

Definitions (shown on the dashboards too):
- A customer at an instant: a member with access then, by ``MembershipQuerySet.with_access``
  evaluated at that instant (past due only while its grace lasts, complimentary until its end date).
- S: customers at the start, E: customers at the end, N: customers at the end who at the start were
  neither customers nor paused (joined or came back during the period). Lost: customers at the start who
  at the end are neither customers nor paused. Retention = (S - lost) / S x 100; churn = lost / S. Without
  members paused outside access this is the familiar (E - N) / S, lost = S - (E - N).
- Paused (``Subscription.is_paused``: collection paused at Stripe, until its resume date): never paying,
  never lost. With the club's "paused members keep access" a paused member is a customer (in S and E);
  without it they are not, and are counted apart: one paused at the start and a customer at the end has
  resumed (not new), one a customer at the start and paused at the end has not been lost. Shown apart:
  paused at the end, paused at any moment of the period, resumed in it, and left while paused (cancelled
  or expired during a pause or at the moment it ended). See docs/analytics.md.
- New from gifts: gifts redeemed in the period by someone who had never been a member of the club
  (``Gift.new_member``); a part of the new members shown beside N.
- MRR at an instant: what each paying customer (active or past due in grace, never a trial, a pause or
  complimentary) paid then, normalised per month. Movements compare each membership's MRR at the start
  and the end: new (from 0), expansion (up), contraction (down, still paying), churned (to 0), and apart
  paused (to 0 by a pause) and resumed (from 0 at the end of a pause).
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
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.models import AccessRecord, RefundRecord
from analytics.selectors.closed_days import in_ranges, snapshot_sums
from analytics.selectors.history import LAPSED_STATUSES, PAYING_STATUSES
from analytics.selectors.period import Period
from billing.models import Gift, GiftStatus, Invoice
from clubs.models import Club, Plan

DAYS_PER_MONTH = 30.4375
LOYAL_AFTER = timedelta(days=365)


def percent(part: int | Fraction, whole: int) -> Fraction | None:
    return Fraction(part) * 100 / whole if whole else None


COUNTS = (
    "start", "end", "new", "lost", "paying_end", "loyal", "on_longest_plan", "paused_end", "paused_during",
    "resumed", "left_while_paused", "new_from_gifts",
)  # fmt: skip


@dataclass
class MemberFigures:
    """S, E, N and lost as defined above; ``paused_*``, ``resumed``, ``left_while_paused`` and ``new_from_gifts``
    are counted apart (a membership paused twice in a period counts once in each)."""

    days: float
    start: int = 0
    end: int = 0
    new: int = 0
    lost: int = 0
    paying_end: int = 0
    loyal: int = 0
    on_longest_plan: int = 0
    paused_end: int = 0
    paused_during: int = 0
    resumed: int = 0
    left_while_paused: int = 0
    new_from_gifts: int = 0
    tenure_total: timedelta = field(default_factory=timedelta)

    def add(self, other: "MemberFigures") -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.tenure_total += other.tenure_total

    @property
    def retained(self) -> int:
        """Customers at the start who at the end are customers or paused."""
        return self.start - self.lost

    @property
    def churned(self) -> int:
        return self.lost

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
    paused: Decimal = Decimal(0)
    resumed: Decimal = Decimal(0)
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
            "paused",
            "resumed",
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


def _on(alias: str, name: str) -> str:
    """The lookup of ``name`` on the record ``alias`` ("" for the records queried themselves)."""
    return f"{alias}__{name}" if alias else name


def _covers(at: datetime, alias: str = "") -> Q:
    """The record holding at ``at`` (a membership's records are contiguous, never overlapping; the newest is open)."""
    return Q(**{_on(alias, "valid_from__lte"): at}) & (
        Q(**{_on(alias, "valid_to__gt"): at}) | Q(**{_on(alias, "valid_to__isnull"): True})
    )


def _changed_during(period: Period, alias: str = "") -> Q:
    """The record holding at the start that ended during the period: its membership has another at the end."""
    return Q(
        **{
            _on(alias, "valid_from__lte"): period.start,
            _on(alias, "valid_to__gt"): period.start,
            _on(alias, "valid_to__lte"): period.end,
        }
    )


def _access_at(alias: str, at: datetime) -> Q:
    """``MembershipQuerySet.with_access`` at ``at``, on the state the membership had then.

    A pause in a club that gives paused members no access holds it back until ``access_from``.
    """
    return (
        Q(**{_on(alias, "has_access"): True})
        & (Q(**{_on(alias, "access_from__isnull"): True}) | Q(**{_on(alias, "access_from__lte"): at}))
        & (Q(**{_on(alias, "access_until__isnull"): True}) | Q(**{_on(alias, "access_until__gt"): at}))
    )


def _paused_at(alias: str, at: datetime) -> Q:
    """Collection paused at ``at`` (``Subscription.is_paused`` then): a pause ends by its date without an event."""
    return Q(**{_on(alias, "is_paused"): True}) & (
        Q(**{_on(alias, "paused_until__isnull"): True}) | Q(**{_on(alias, "paused_until__gt"): at})
    )


def _not_paused_at(alias: str, at: datetime) -> Q:
    return Q(**{_on(alias, "is_paused"): False}) | Q(**{_on(alias, "paused_until__lte"): at})


def _paying_at(alias: str, at: datetime) -> Q:
    """A customer who paid then: access, not complimentary, not paused, active or past due in grace (trials pay
    nothing yet, a paused member nothing until the pause ends)."""
    return (
        _access_at(alias, at)
        & _not_paused_at(alias, at)
        & Q(**{_on(alias, "is_complimentary"): False})
        & Q(**{_on(alias, "status__in"): PAYING_STATUSES})
    )


def _record_groups(
    records: QuerySet[AccessRecord], *, start_alias: str, began_by_start: Q, period: Period, where: Q | None = None
):
    """``records`` (each membership's record at the end) grouped by club, access and MRR at the start and the
    end, plan at the end, a year's stay and pauses; the start read on the record ``start_alias`` where
    ``began_by_start``. ``where`` goes in the same ``filter()`` as the access test, so a condition on
    ``start_alias`` reuses its join.
    """
    start, end = period.start, period.end
    access_start, access_end = began_by_start & _access_at(start_alias, start), _access_at("", end)
    # Access within the end's record began at its start, or when a pause without access ended (``access_from``).
    access_began = Coalesce(F("access_from"), F("valid_from"))
    tenure = ExpressionWrapper(
        F("access_before") + ExpressionWrapper(Value(end) - access_began, DurationField()),
        output_field=DurationField(),
    )
    monthly_start = F(_on(start_alias, "monthly_amount_minor"))
    return (
        records.filter((where or Q()) & (access_start | access_end))
        .annotate(
            was_member=Case(When(access_start, then=Value(True)), default=Value(False)),
            is_member=Case(When(access_end, then=Value(True)), default=Value(False)),
            monthly_start=Case(When(began_by_start & _paying_at(start_alias, start), then=monthly_start)),
            monthly_end=Case(When(_paying_at("", end), then=F("monthly_amount_minor"))),
            plan_end=Case(When(access_end, then=F("plan_id"))),
            stayed_a_year=Case(
                When(access_end & Q(access_since__lte=end - LOYAL_AFTER), then=Value(True)), default=Value(False)
            ),
            paused_start=Case(
                When(began_by_start & _paused_at(start_alias, start), then=Value(True)), default=Value(False)
            ),
            paused_end=Case(When(_paused_at("", end), then=Value(True)), default=Value(False)),
        )
        .order_by()
        .values(
            "club_id",
            "was_member",
            "is_member",
            "monthly_start",
            "monthly_end",
            "plan_end",
            "stayed_a_year",
            "paused_start",
            "paused_end",
        )
        .annotate(count=Count("pk"), tenure=Sum(Case(When(access_end, then=tenure), output_field=DurationField())))
    )


def _membership_groups(*, club_ids: list[int], period: Period):
    """One row per distinct (club, access and MRR at the start and the end, plan at the end, a year's stay, paused).

    Read from the access records alone (a record's club is its membership's), 1 query in two parts:
    - memberships whose record at the end already held at the start, or that had none then (at 100,000
      memberships over a year, 92,000 of them): that one record says both instants;
    - the few whose record changed during the period (8,000): their record at the end joined to the one
      at the start.
    Joining every membership to its records at both instants (hashing 100,000 memberships and two sets of
    records) took twice as long (bench/analytics).
    """
    at_end = AccessRecord.objects.filter(_covers(period.end), club_id__in=club_ids)
    changed = AccessRecord.objects.filter(_changed_during(period), club_id__in=club_ids)
    one_record = _record_groups(
        at_end.exclude(Exists(changed.filter(membership_id=OuterRef("membership_id")))),
        start_alias="",
        began_by_start=Q(valid_from__lte=period.start),
        period=period,
    )
    records_of_membership = "membership__access_records"
    two_records = _record_groups(
        at_end.annotate(
            at_start=FilteredRelation(
                records_of_membership,
                condition=Q(**{f"{records_of_membership}__club_id__in": club_ids})
                & _changed_during(period, records_of_membership),
            )
        ),
        start_alias="at_start",
        began_by_start=Q(),
        period=period,
        where=Q(at_start__isnull=False),
    )
    return one_record.union(two_records, all=True)


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


@dataclass
class _PauseCounts:
    paused_end: set = field(default_factory=set)
    paused_during: set = field(default_factory=set)
    resumed: set = field(default_factory=set)
    left_while_paused: set = field(default_factory=set)


def _pause_episodes(records: list[tuple]) -> list[tuple[datetime, datetime | None, datetime | None]]:
    """One membership's pauses as (began, ended or None while running, when it left at that end or None).

    ``records`` are its paused records (valid_from, valid_to, paused_until, status of the record from
    valid_to on) in time order; records are contiguous, so the one after a record starts at its valid_to.
    A pause runs over the records that carry it (a plan change during a pause opens a new record) and ends
    at the first of its date (``paused_until``, with or without Stripe's resume event) and the end of the
    last record that carries it; it ended by leaving when the record from that moment on is cancelled or
    expired.
    """
    episodes: list[list] = []
    running = None
    for valid_from, valid_to, paused_until, next_status in records:
        if paused_until is not None and paused_until <= valid_from:
            running = None
            continue
        ends = [moment for moment in (valid_to, paused_until) if moment is not None]
        ended = min(ends) if ends else None
        left = ended is not None and ended == valid_to and next_status in LAPSED_STATUSES
        if running is not None and running[1] == valid_from:
            running[1], running[2] = ended, left
        else:
            running = [valid_from, ended, left]
            episodes.append(running)
    return [(began, ended, ended if left else None) for began, ended, left in episodes]


def _pause_counts(*, club_ids: list[int], period: Period) -> dict[int, _PauseCounts]:
    """Per club, the memberships paused at the end, paused at any moment, resumed and left while paused (1 query).

    Moments as for S and E: paused at an instant ``T`` when a pause began at or before ``T`` and ends after it;
    resumed or left in the period when the pause ended after the start and at or before the end. Reads only the
    paused records touching the period (the partial index ``analytics_access_paused``), each with the status of
    the record after it by the (membership, valid_from) index: at 20,000 memberships over a year, 2 ms where
    reading every record of the paused memberships took 65 ms (a sequential scan).
    """
    start, end = period.start, period.end
    after = AccessRecord.objects.filter(membership_id=OuterRef("membership_id"), valid_from=OuterRef("valid_to"))
    rows = (
        AccessRecord.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=start),
            Q(paused_until__isnull=True) | Q(paused_until__gt=start),
            club_id__in=club_ids,
            is_paused=True,
            valid_from__lte=end,
        )
        .annotate(next_status=Subquery(after.order_by("-pk").values("status")[:1]))
        .order_by("membership_id", "valid_from", "pk")
        .values_list("club_id", "membership_id", "valid_from", "valid_to", "paused_until", "next_status")
    )
    by_membership: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for club_id, membership_id, *record in rows:
        by_membership[(club_id, membership_id)].append(tuple(record))
    counts: dict[int, _PauseCounts] = defaultdict(_PauseCounts)
    for (club_id, membership_id), records in by_membership.items():
        figures = counts[club_id]
        for began, ended, left in _pause_episodes(records):
            if began > end or (ended is not None and ended <= start):
                continue
            figures.paused_during.add(membership_id)
            if ended is None or ended > end:
                figures.paused_end.add(membership_id)
            elif left is not None:
                figures.left_while_paused.add(membership_id)
            else:
                figures.resumed.add(membership_id)
    return counts


def _new_from_gifts(*, clubs: QuerySet[Club], period: Period) -> dict[int, int]:
    """Per club, memberships new to the club that a gift redeemed in the period brought (1 query).

    The moments are N's: after the start, at or before the end. ``Gift.new_member`` is set when the gift is
    redeemed by someone who had never had access to the club.
    """
    rows = (
        Gift.objects.filter(
            club__in=clubs,
            status=GiftStatus.REDEEMED,
            new_member=True,
            membership__isnull=False,
            redeemed_at__gt=period.start,
            redeemed_at__lte=period.end,
        )
        .order_by()
        .values("club_id")
        .annotate(count=Count("membership_id", distinct=True))
    )
    return {row["club_id"]: row["count"] for row in rows}


def _longest_plan_ids(plans: list[Plan]) -> set[int]:
    """Per club, its longest plan (active ones first): members there are the most committed."""
    longest: dict[int, Plan] = {}
    for plan in plans:
        best = longest.get(plan.club_id)
        if best is None or (plan.is_active, plan.months) > (best.is_active, best.months):
            longest[plan.club_id] = plan
    return {plan.pk for plan in longest.values()}


def period_metrics(*, clubs: QuerySet[Club], period: Period, use_snapshots: bool = True) -> PeriodMetrics:
    """Figures of each club in ``clubs`` for ``period`` and their totals (6 or 7 queries).

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

    for row in _membership_groups(club_ids=list(members), period=period):
        club_id, count = row["club_id"], row["count"]
        figures, cash = members[club_id], money[club_id]
        was_member, is_member = row["was_member"], row["is_member"]
        mrr_start = row["monthly_start"] or Decimal(0)
        mrr_end = row["monthly_end"] or Decimal(0)
        paused_start, paused_end = row["paused_start"], row["paused_end"]
        figures.start += count if was_member else 0
        if was_member and not is_member and not paused_end:
            figures.lost += count  # a customer at the start now paused without access has not left
        if is_member:
            figures.end += count
            figures.new += 0 if was_member or paused_start else count  # back from a pause: resumed, not new
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
            if paused_start:
                cash.resumed += mrr_end * count
            else:
                cash.new += mrr_end * count
        elif mrr_start and not mrr_end:
            if paused_end:
                cash.paused += mrr_start * count
            else:
                cash.churned += mrr_start * count
        elif mrr_end > mrr_start:
            cash.expansion += (mrr_end - mrr_start) * count
        elif mrr_end < mrr_start:
            cash.contraction += (mrr_start - mrr_end) * count

    for club_id, pauses in _pause_counts(club_ids=list(members), period=period).items():
        figures = members[club_id]
        figures.paused_end += len(pauses.paused_end)
        figures.paused_during += len(pauses.paused_during)
        figures.resumed += len(pauses.resumed)
        figures.left_while_paused += len(pauses.left_while_paused)
    for club_id, count in _new_from_gifts(clubs=clubs, period=period).items():
        members[club_id].new_from_gifts += count

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
