"""Issues 17 and 22: a generated history against a small independent reference written from the definitions.

The history (trials, past due inside and beyond grace, complimentary grants and their expiry, plan
switches, refunds across month ends, rejoins, periods across daylight-saving changes, three clubs in
three currencies and time zones; pauses that resume by their date with or without Stripe's event,
early or without an end date, and cancellations during or at the end of a pause, in a club that lets
paused members keep access and in two that do not; gifts redeemed by newcomers) is applied through the
services that write it in production, with the clock set to each moment. The expected figures are
computed below in plain Python over the generated events only (no analytics code), then compared with
the selectors, the CSV and the page.
"""

import csv
import io
import random
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import translation

from analytics.selectors.metrics import period_metrics
from analytics.selectors.period import Period
from billing.models import BillingSettings, Gift, Invoice, StripeCustomer, Subscription, SubscriptionStatus
from billing.services.gifts import gift_redeem
from clubs.models import Club, Membership, MembershipStatus
from clubs.services import complimentary_memberships_expire, membership_transition
from core.money import format_money
from tests.analytics.factories import clock_at, nps_answer
from tests.factories import ClubFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db

CLUBS = [  # name, currency, time zone, grace days, (monthly, six months, yearly) prices
    ("Runners", "EUR", "Europe/Berlin", 7, (850, 2703, 9000)),
    ("Readers", "USD", "America/New_York", 3, (500, 2700, 4800)),
    ("Climbers", "JPY", "Asia/Tokyo", 10, (1200, 6500, 12000)),
]
MONTHS = (1, 6, 12)
FIRST = datetime(2025, 3, 1, tzinfo=UTC)
LAST = datetime(2026, 3, 31, tzinfo=UTC)
PERIODS = [  # local dates in the club's time zone
    (date(2025, 10, 1), date(2025, 10, 31)),  # crosses the end of summer time in Berlin and New York
    (date(2025, 11, 1), date(2025, 11, 30)),
    (date(2025, 12, 20), date(2026, 1, 10)),
    (date(2026, 1, 1), date(2026, 1, 31)),
    (date(2026, 3, 1), date(2026, 3, 31)),  # summer time starts again
    (date(2025, 4, 1), date(2026, 3, 31)),  # a year
]
MEMBERS_PER_CLUB = 22
GIFTS_PER_CLUB = 3
# Runners let paused members keep access; Readers say no in their settings, Climbers never chose (the default: no).
KEEPS_ACCESS = (True, False, False)
ACCESS, PAYING = ("trialing", "active"), ("active", "past_due")


def half_up(value, places: int = 0) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(value)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# --- The generated history: a list of events per membership ----------------------------------------


@dataclass
class Spec:
    club: int
    events: list = field(default_factory=list)  # (at, kind, value)


def _last_status(spec: Spec) -> str:
    return next((value for _at, kind, value in reversed(spec.events) if kind == "status"), "")


def _pause(spec: Spec, rng: random.Random, at: datetime) -> tuple[datetime, bool]:
    """A pause from ``at`` and how it ends; returns when it ended and whether the member left then."""
    resumes = at + timedelta(days=30 * rng.choice((1, 2, 3)) + rng.randint(0, 2), hours=rng.randint(0, 5))
    variant = rng.random()
    if variant < 0.1:  # no end date: paused until someone resumes it
        spec.events.append((at, "pause", None))
        at += timedelta(days=rng.randint(10, 50))
        spec.events.append((at, "unpause", None))
        return at, False
    spec.events.append((at, "pause", resumes))
    if variant < 0.4:  # resumes by its date; Stripe's event never comes
        return resumes, False
    if variant < 0.6:  # resumes by its date; the event comes hours later
        at = resumes + timedelta(hours=rng.randint(1, 30))
        spec.events.append((at, "unpause", None))
        return at, False
    if variant < 0.75:  # resumed early
        at += timedelta(days=rng.randint(3, 25))
        spec.events.append((at, "unpause", None))
        return at, False
    at = at + timedelta(days=rng.randint(3, 25)) if variant < 0.9 else resumes  # cancels during it, or at its end
    spec.events.append((at, "pause_cancel", None))
    return at, True


def generate(rng: random.Random) -> list[Spec]:
    specs = []
    for club_index, (_name, _currency, _zone, grace, _prices) in enumerate(CLUBS):
        for _member in range(MEMBERS_PER_CLUB):
            spec = Spec(club=club_index)
            at = FIRST + timedelta(days=rng.randint(0, 330), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
            plan = rng.randrange(3)
            spec.events.append((at, "plan", plan))
            if rng.random() < 0.25:
                spec.events.append((at, "status", "trialing"))
                spec.events.append((at, "subscribe", plan))
                at += timedelta(days=14)
            spec.events.append((at, "status", "active"))
            if not any(kind == "subscribe" for _at, kind, _value in spec.events):
                spec.events.append((at, "subscribe", plan))
            spec.events.append((at, "invoice", plan))
            for _step in range(rng.randint(1, 4)):
                at += timedelta(days=rng.randint(10, 80), hours=rng.randint(0, 23))
                if at > LAST:
                    break
                choice = rng.random()
                if choice >= 0.76 and _last_status(spec) == "active":  # a pause, however it ends
                    at, left = _pause(spec, rng, at)
                    if left:
                        break
                elif choice < 0.25:  # a failed payment: paid again inside the grace period, or lapsed after it
                    spec.events.append((at, "status", "past_due"))
                    if rng.random() < 0.5:
                        at += timedelta(days=rng.randint(0, grace - 1), hours=rng.randint(0, 20))
                        spec.events.append((at, "status", "active"))
                        spec.events.append((at, "invoice", plan))
                    else:
                        at += timedelta(days=grace + rng.randint(2, 15))
                        spec.events.append((at, "status", "canceled"))
                        if rng.random() < 0.5:
                            at += timedelta(days=rng.randint(5, 60))
                            spec.events += [(at, "status", "active"), (at, "subscribe", plan), (at, "invoice", plan)]
                elif choice < 0.45:  # a plan switch
                    plan = (plan + rng.randint(1, 2)) % 3
                    spec.events += [(at, "plan", plan), (at, "switch", plan), (at, "invoice", plan)]
                elif choice < 0.65:  # cancels, maybe comes back
                    spec.events.append((at, "status", "canceled"))
                    if rng.random() < 0.6:
                        at += timedelta(days=rng.randint(8, 70))
                        spec.events += [(at, "status", "active"), (at, "subscribe", plan), (at, "invoice", plan)]
                elif choice < 0.8:  # complimentary from now until a date; the nightly job expires it later
                    until = at + timedelta(days=rng.randint(15, 60), hours=rng.randint(1, 20))
                    spec.events.append((at, "complimentary", until))
                    job = datetime.combine(until.date() + timedelta(days=1), time(3), tzinfo=UTC)
                    spec.events.append((job, "expire_job", None))
                    break
                else:  # a refund of the last payment, often in the next month
                    spec.events.append((at + timedelta(days=rng.randint(1, 35)), "refund", rng.choice((100, 250))))
            specs.append(spec)
        for _gift in range(GIFTS_PER_CLUB):  # a newcomer redeems a gift; the nightly job expires it later
            spec = Spec(club=club_index)
            at = FIRST + timedelta(days=rng.randint(60, 380), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
            months = rng.choice((1, 6))
            spec.events.append((at, "gift", months))
            until = at + relativedelta(months=months)
            spec.events.append(
                (datetime.combine(until.date() + timedelta(days=1), time(3), tzinfo=UTC), "expire_job", None)
            )
            specs.append(spec)
    return specs


# --- Applying it through the services -------------------------------------------------------------


def apply(specs: list[Spec], rng: random.Random):
    clubs, plans = [], []
    for index, (name, currency, zone, grace, prices) in enumerate(CLUBS):
        club = ClubFactory(name=name, currency=currency, time_zone=zone, grace_period_days=grace)
        if index < 2:
            BillingSettings.objects.create(club=club, paused_keep_access=KEEPS_ACCESS[index])
        clubs.append(club)
        plans.append(
            [
                PlanFactory(
                    club=club, name=f"{count} months", interval="month", interval_count=count, price_minor=price
                )
                for count, price in zip(MONTHS, prices, strict=True)
            ]
        )
    memberships, subscriptions, last_invoice = {}, {}, {}
    timeline = sorted(
        ((at, index, order, kind, value) for index, spec in enumerate(specs)
         for order, (at, kind, value) in enumerate(spec.events)),
        key=lambda event: (event[0], event[1], event[2]),
    )  # fmt: skip
    invoices = 0
    for at, index, _order, kind, value in timeline:
        spec = specs[index]
        club = clubs[spec.club]
        with clock_at(at):
            membership = memberships.get(index)
            if membership is not None:
                membership = Membership.objects.get(pk=membership.pk)
            if kind == "plan":
                if membership is None:
                    membership = Membership.objects.create(
                        user=UserFactory(), club=club, plan=plans[spec.club][value], status=MembershipStatus.PENDING
                    )
                else:
                    membership.plan = plans[spec.club][value]
                    membership.save()
            elif kind == "status":
                membership_transition(membership=membership, to_status=value, at=at)
            elif kind in ("subscribe", "switch"):
                plan = plans[spec.club][value]
                if kind == "subscribe":
                    customer, _ = StripeCustomer.objects.get_or_create(
                        user=membership.user, defaults={"stripe_customer_id": f"cus_ref_{index}"}
                    )
                    subscriptions[index] = Subscription.objects.create(
                        stripe_subscription_id=f"sub_ref_{index}_{at.timestamp():.0f}", membership=membership,
                        customer=customer, plan=plan, status=SubscriptionStatus.ACTIVE, amount_minor=plan.price_minor,
                        currency=club.currency, stripe_created=at,
                    )  # fmt: skip
                else:
                    subscription = Subscription.objects.get(pk=subscriptions[index].pk)
                    subscription.plan, subscription.amount_minor = plan, plan.price_minor
                    subscription.save()
            elif kind == "invoice":
                invoices += 1
                last_invoice[index] = Invoice.objects.create(
                    stripe_invoice_id=f"in_ref_{invoices}", customer=subscriptions[index].customer,
                    subscription=subscriptions[index], status="paid", currency=club.currency,
                    amount_paid_minor=plans[spec.club][value].price_minor, stripe_created=at, paid_at=at,
                )  # fmt: skip
            elif kind == "refund":
                invoice = Invoice.objects.get(pk=last_invoice[index].pk)
                invoice.amount_refunded_minor += value
                invoice.save(update_fields=["amount_refunded_minor", "updated_at"])
            elif kind == "complimentary":
                membership.is_complimentary, membership.complimentary_until = True, value
                membership.complimentary_reason = "Prize"
                membership.save()
            elif kind == "expire_job":
                complimentary_memberships_expire(now=at)
            elif kind in ("pause", "unpause"):  # as billing mirrors Stripe's pause_collection
                subscription = Subscription.objects.get(pk=subscriptions[index].pk)
                subscription.pause_behavior = "void" if kind == "pause" else ""
                subscription.pause_resumes_at = value
                subscription.save()
            elif kind == "pause_cancel":  # Stripe ends the subscription, then the membership is cancelled
                subscription = Subscription.objects.get(pk=subscriptions[index].pk)
                subscription.status, subscription.ended_at = SubscriptionStatus.CANCELED, at
                subscription.save()
                membership_transition(membership=membership, to_status="canceled", at=at)
            elif kind == "gift":
                user = UserFactory()
                gift = Gift.objects.create(
                    club=club, months=value, amount_minor=1000, currency=club.currency, buyer_email="giver@example.com",
                    recipient_email=user.email, stripe_checkout_session_id=f"cs_ref_{index}", paid_at=at,
                )  # fmt: skip
                membership = gift_redeem(gift=gift, user=user, now=at).membership
            memberships[index] = membership
    answers = []
    for index, spec in enumerate(specs):
        for _answer in range(rng.randint(0, 2)):
            at = FIRST + timedelta(days=rng.randint(200, 390), hours=rng.randint(0, 23))
            score = rng.randint(0, 10)
            nps_answer(club=clubs[spec.club], score=score, at=at, membership=memberships[index])
            answers.append((spec.club, at, score))
    return clubs, answers


# --- The reference: the definitions over the generated events --------------------------------------


def states(spec: Spec) -> list[tuple]:
    """(from, status, grace end, complimentary until or None, complimentary, plan, monthly price, paused,
    pause ends or None) in order."""
    grace = CLUBS[spec.club][3]
    prices = CLUBS[spec.club][4]
    status, grace_end, comp, comp_until, plan, monthly = "pending", None, False, None, None, None
    paused, paused_until = False, None
    result = []
    for at, kind, value in spec.events:
        if kind == "plan":
            plan = value
        elif kind == "status":
            status = value
            grace_end = at + timedelta(days=grace) if value == "past_due" else None
        elif kind in ("subscribe", "switch"):
            monthly = Fraction(prices[value], MONTHS[value])
        elif kind == "complimentary":
            comp, comp_until = True, value
        elif kind == "gift":
            status, comp, comp_until = "active", True, at + relativedelta(months=value)
        elif kind == "expire_job":
            comp, status = False, "expired"
        elif kind == "pause":
            paused, paused_until = True, value
        elif kind == "unpause":
            paused, paused_until = False, None
        elif kind == "pause_cancel":
            paused, paused_until, status = False, None, "canceled"
        else:
            continue
        result.append((at, status, grace_end, comp_until if comp else None, comp, plan, monthly, paused, paused_until))
    return result


def state_at(spec: Spec, at: datetime):
    current = None
    for state in states(spec):
        if state[0] <= at:
            current = state
    return current


def paused_at(state, at: datetime) -> bool:
    """Payments paused at ``at``: a pause lasts until its date (or, without one, until it is resumed)."""
    return state is not None and state[7] and (state[8] is None or at < state[8])


def has_access(state, at: datetime, keeps_access: bool) -> bool:
    if state is None:
        return False
    _from, status, grace_end, comp_until, _comp, _plan, _monthly, _paused, _until = state
    if comp_until is not None and comp_until <= at:
        return False
    if paused_at(state, at) and not keeps_access:
        return False
    return status in ACCESS or (status == "past_due" and grace_end is not None and at < grace_end)


def paid_monthly(state, at: datetime, keeps_access: bool) -> Fraction:
    if not has_access(state, at, keeps_access) or paused_at(state, at):
        return Fraction(0)
    if state[4] or state[1] not in PAYING or state[6] is None:
        return Fraction(0)
    return state[6]


def pauses(spec: Spec) -> list[tuple[datetime, datetime, bool]]:
    """Each pause as (began, ended, left then): it ends at its date, or earlier when resumed or cancelled."""
    result = []
    for number, (at, kind, resumes) in enumerate(spec.events):
        if kind != "pause":
            continue
        after = next(((t, k) for t, k, _v in spec.events[number + 1 :] if k in ("unpause", "pause_cancel")), None)
        if after is None:
            result.append((at, resumes, False))
        elif resumes is None or after[0] <= resumes:
            result.append((at, after[0], after[1] == "pause_cancel"))
        else:
            result.append((at, resumes, False))
    return result


def access_time(spec: Spec, until: datetime) -> timedelta:
    """Time with access up to ``until``, integrating the access rule between the recorded changes."""
    timeline = states(spec)
    keeps_access = KEEPS_ACCESS[spec.club]
    total = timedelta()
    for number, state in enumerate(timeline):
        begin = state[0]
        end = min(timeline[number + 1][0] if number + 1 < len(timeline) else until, until)
        if state[7] and not keeps_access:  # no access until the pause ends by its date
            if state[8] is None:
                continue
            begin = max(begin, state[8])
        if end <= begin or not (state[1] in ACCESS or state[1] == "past_due"):
            continue
        stops = [end]
        if state[1] == "past_due":
            stops.append(state[2])
        if state[3] is not None:
            stops.append(state[3])
        total += max(min(stops) - begin, timedelta())
    return total


@dataclass
class Expected:
    start: int = 0
    end: int = 0
    new: int = 0
    loyal: int = 0
    on_longest: int = 0
    tenure: timedelta = field(default_factory=timedelta)
    lost: int = 0
    paused_end: int = 0
    paused_during: int = 0
    resumed: int = 0
    left_while_paused: int = 0
    new_from_gifts: int = 0
    mrr_start: Fraction = Fraction(0)
    mrr_end: Fraction = Fraction(0)
    mrr_paused: Fraction = Fraction(0)
    mrr_resumed: Fraction = Fraction(0)
    paying_end: int = 0
    paid: int = 0
    refunded: int = 0
    promoters: int = 0
    detractors: int = 0
    answers: int = 0
    plans: dict = field(default_factory=dict)


def expected_for(specs, answers, club_index: int, start: datetime, end: datetime) -> Expected:
    figures = Expected()
    prices = CLUBS[club_index][4]
    keeps = KEEPS_ACCESS[club_index]
    for spec in specs:
        if spec.club != club_index:
            continue
        at_start, at_end = state_at(spec, start), state_at(spec, end)
        was, now = has_access(at_start, start, keeps), has_access(at_end, end, keeps)
        paused_start, paused_end = paused_at(at_start, start), paused_at(at_end, end)
        figures.start += was
        figures.lost += was and not now and not paused_end  # a paused member has not left
        spans = [(began, ended, left) for began, ended, left in pauses(spec) if began <= end and ended > start]
        figures.paused_during += bool(spans)
        figures.paused_end += paused_end
        figures.resumed += any(ended <= end and not left for _began, ended, left in spans)
        figures.left_while_paused += any(ended <= end and left for _began, ended, left in spans)
        figures.new_from_gifts += any(kind == "gift" and start < at <= end for at, kind, _value in spec.events)
        if now:
            figures.end += 1
            figures.new += not was and not paused_start  # back from a pause is not new
            figures.tenure += access_time(spec, end)
            year_ago = end - timedelta(days=365)
            figures.loyal += access_time(spec, end) - access_time(spec, year_ago) == end - year_ago
            figures.on_longest += at_end[5] == 2
            figures.plans[at_end[5]] = figures.plans.get(at_end[5], 0) + 1
        paid_start, paid_end = paid_monthly(at_start, start, keeps), paid_monthly(at_end, end, keeps)
        figures.mrr_start += paid_start
        figures.mrr_end += paid_end
        figures.paying_end += paid_end > 0
        figures.mrr_paused += paid_start if paid_start and not paid_end and paused_end else 0
        figures.mrr_resumed += paid_end if paid_end and not paid_start and paused_start else 0
        last_paid = None
        for at, kind, value in spec.events:
            if kind == "invoice":
                last_paid = prices[value]
                figures.paid += start <= at < end and last_paid
            elif kind == "refund":
                figures.refunded += value if start <= at < end else 0
    for answer_club, at, score in answers:
        if answer_club == club_index and start <= at < end:
            figures.answers += 1
            figures.promoters += score >= 9
            figures.detractors += score <= 6
    return figures


def local_period(zone: str, first: date, last: date) -> tuple[datetime, datetime, float]:
    tz = zoneinfo.ZoneInfo(zone)
    start = datetime.combine(first, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return start, end, (end - start).total_seconds() / 86400


# --- The test ---------------------------------------------------------------------------------------


def _cells(page: str, heading: str, club_name: str) -> list[str]:
    section = page[page.index(f'id="{heading}"') :]
    row = re.search(r"<tr>\s*<th scope=\"row\">" + re.escape(club_name) + r"</th>(.*?)</tr>", section, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_every_figure_agrees_with_the_independent_reference(client):
    rng = random.Random(17)
    specs = generate(rng)
    clubs, answers = apply(specs, rng)
    leader = UserFactory()
    for club in clubs:
        club.leaders.add(leader)
    client.force_login(leader)
    kinds = {kind for spec in specs for _at, kind, _value in spec.events}
    assert {"past_due", "trialing", "canceled"} <= {v for s in specs for _a, k, v in s.events if k == "status"}
    assert {"complimentary", "expire_job", "refund", "switch", "gift", "pause", "unpause", "pause_cancel"} <= kinds
    for keeps in (True, False):  # pauses of every ending in a club with and without access while paused
        spans = [span for spec in specs if KEEPS_ACCESS[spec.club] is keeps for span in pauses(spec)]
        assert any(left for _began, _ended, left in spans) and any(not left for _began, _ended, left in spans)
    seen = {"paused_end": 0, "resumed": 0, "left_while_paused": 0, "new_from_gifts": 0, "mrr_paused": 0}

    checked = 0
    for club_index, club in enumerate(clubs):
        currency, zone = club.currency, club.time_zone
        for first, last in PERIODS:
            start, end, days = local_period(zone, first, last)
            want = expected_for(specs, answers, club_index, start, end)
            period = Period(first_day=first, last_day=last, time_zone=zone)
            got = period_metrics(clubs=Club.objects.filter(pk=club.pk), period=period).clubs[0]
            members, money = got.members, got.money
            label = f"{club.name} {first}..{last}"
            assert period.days == pytest.approx(days), label
            assert (members.start, members.end, members.new) == (want.start, want.end, want.new), label
            assert members.churned == want.lost, label
            assert (
                members.paused_end,
                members.paused_during,
                members.resumed,
                members.left_while_paused,
                members.new_from_gifts,
            ) == (want.paused_end, want.paused_during, want.resumed, want.left_while_paused, want.new_from_gifts), label
            for name in seen:
                seen[name] += bool(getattr(want, name))
            assert members.loyal == want.loyal, label
            assert members.on_longest_plan == want.on_longest, label
            assert members.tenure_total == want.tenure, label
            # The ledger keeps a month's price to 1/10,000 of a minor unit (6500 / 6 = 1083.3333).
            assert abs(money.mrr_start - Decimal(float(want.mrr_start))) < Decimal("0.01"), label
            assert abs(money.mrr_end - Decimal(float(want.mrr_end))) < Decimal("0.01"), label
            assert abs(money.paused - Decimal(float(want.mrr_paused))) < Decimal("0.01"), label
            assert abs(money.resumed - Decimal(float(want.mrr_resumed))) < Decimal("0.01"), label
            assert money.paying_end == want.paying_end, label
            assert (money.revenue_paid, money.revenue_refunded) == (want.paid, want.refunded), label
            assert {
                share.plan and share.plan.interval_count: share.members for share in got.plan_mix if share.members
            } == {None if plan is None else MONTHS[plan]: count for plan, count in want.plans.items()}, (
                label
            )  # gifts give access without a plan
            retention = Fraction(want.start - want.lost, want.start) * 100 if want.start else None
            assert members.retention_rate == retention, label
            arpu = want.mrr_end / want.paying_end if want.paying_end else None
            monthly_churn = 1 - (float(retention) / 100) ** (30.4375 / days) if retention is not None else None
            ltv = arpu / Fraction(monthly_churn) if arpu is not None and monthly_churn and monthly_churn > 0 else None
            if ltv is None:
                assert got.ltv is None, label
            else:
                assert float(got.ltv) == pytest.approx(float(ltv), rel=1e-6), label
            nps = half_up(Fraction((want.promoters - want.detractors) * 100, want.answers)) if want.answers else None
            exponent = {"JPY": 0}.get(currency, 2)

            def major(amount, exponent=exponent):
                return half_up(amount).scaleb(-exponent) if amount is not None else None

            # The CSV: the same figures, money rounded half up on minor units.
            query = f"?start={first.isoformat()}&end={last.isoformat()}"
            response = client.get(reverse("analytics:club-dashboard-csv", args=[club.slug, "summary"]) + query)
            rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
            row = rows[0]
            assert [int(row[name]) for name in ("members_at_start", "new_members", "members_at_end")] == [
                want.start, want.new, want.end
            ], label  # fmt: skip
            assert [int(row[name]) for name in (
                "new_members_from_gifts", "churned_members", "paused_at_end", "paused_during_period",
                "resumed_from_pause", "left_while_paused",
            )] == [
                want.new_from_gifts, want.lost, want.paused_end, want.paused_during, want.resumed,
                want.left_while_paused,
            ], label  # fmt: skip
            assert Decimal(row["mrr_paused"]) == major(want.mrr_paused), label
            assert Decimal(row["mrr_resumed"]) == major(want.mrr_resumed), label
            assert row["retention_percent"] == (str(half_up(retention, 1)) if retention is not None else ""), label
            assert Decimal(row["mrr_start"]) == major(want.mrr_start), label
            assert Decimal(row["mrr_end"]) == major(want.mrr_end), label
            assert (Decimal(row["arpu"]) if row["arpu"] else None) == major(arpu), label
            assert Decimal(row["revenue_refunded"]) == major(want.refunded), label
            assert (int(row["nps"]) if row["nps"] else None) == nps, label
            assert row["members_at_end"] == str(want.end)
            if ltv is not None:
                assert abs(Decimal(row["ltv"]) - major(ltv)) <= Decimal(1).scaleb(-exponent), label

            # The page: the same figures as the reference, formatted for English.
            if (first, last) in (PERIODS[0], PERIODS[2]):
                page = client.get(reverse("analytics:club-dashboard", args=[club.slug]) + query).content.decode()
                with translation.override("en"):
                    cells = _cells(page, "members-heading", club.name)
                    assert cells[:5] == [
                        str(want.start), str(want.new), str(want.new_from_gifts), str(want.end), str(want.lost)
                    ], label  # fmt: skip
                    if retention is not None:
                        assert cells[5] == f"{half_up(retention, 1)}%", label
                    paused = _cells(page, "paused-heading", club.name)
                    assert paused == [
                        str(want.paused_end), str(want.paused_during), str(want.resumed), str(want.left_while_paused)
                    ], label  # fmt: skip
                    revenue = _cells(page, "revenue-heading", club.name)
                    assert revenue[0] == format_money(int(half_up(want.mrr_start)), currency), label
                    assert revenue[7] == format_money(int(half_up(want.mrr_end)), currency), label
                    if arpu is not None:
                        assert revenue[9] == format_money(int(half_up(arpu)), currency), label
                    assert revenue[11] == format_money(want.paid - want.refunded, currency), label
            checked += 1
    assert checked == len(CLUBS) * len(PERIODS)
    assert all(seen.values()), seen  # the periods do show pauses, their ends, their MRR and gifts
