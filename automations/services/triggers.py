"""Who is due which automated message now, claimed exactly once.

Each finder reads one trigger (joined, renewal ahead, N months on the monthly plan, silent for N days, left
N days ago, birthday, attended an event) at ``now``. A due message is claimed by inserting its
``AutomationSend`` row (unique per club, member, kind and trigger key) inside the transaction; the email is
queued only after commit. A second run, or two runs at once, find the row already there and send nothing.

Time-based triggers fire from their moment on, for a catch-up window (AUTOMATION_CATCH_UP_DAYS): a beat
missed during a deploy is caught up, but switching an automation on never mails about last year.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from automations.models import OFFER_KINDS, AutomationKind, AutomationSend, ClubAutomationSettings
from automations.selectors import (
    automation_settings_for,
    catch_up,
    inactive_members,
    offer_email_counts,
    offer_unsubscribed_user_ids,
    reachable,
)
from billing.models import TERMINAL_SUBSCRIPTION_STATUSES, Subscription
from clubs.models import LAPSED_STATUSES, Club, Membership, MembershipStatus, MembershipStatusChange


@dataclass
class Due:
    """One message due to one member for one trigger."""

    membership: Membership
    trigger_key: str
    context: dict = field(default_factory=dict)
    percent_off: int | None = None
    is_offer: bool = False
    trigger_at: datetime | None = None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _members(club: Club, now: datetime) -> QuerySet[Membership]:
    return Membership.objects.filter(club=club).with_access(now).select_related("user", "plan")


def _set_to_end() -> Exists:
    """The membership's running subscription is set to end at its period's close: no renewal, no upgrade."""
    return Exists(
        Subscription.objects.filter(membership=OuterRef("pk"), cancel_at_period_end=True).exclude(
            status__in=TERMINAL_SUBSCRIPTION_STATUSES
        )
    )


# --- Finders ---------------------------------------------------------------------------------------


def welcome_due(club: Club, config: ClubAutomationSettings, now: datetime) -> list[Due]:
    members = _members(club, now).filter(started_at__gt=now - catch_up(), started_at__lte=now)
    return [Due(member, f"joined:{_stamp(member.started_at)}") for member in reachable(members, kind="welcome")]


def welcome_nudge_due(club: Club, config: ClubAutomationSettings, now: datetime) -> list[Due]:
    """Day N after joining, for members who have neither answered an event nor posted since they joined."""
    due_from = now - timedelta(days=config.welcome_nudge_days)
    rsvp = apps.get_model("events", "Rsvp")
    achievement = apps.get_model("feed", "Achievement")
    members = (
        _members(club, now)
        .filter(started_at__gt=due_from - catch_up(), started_at__lte=due_from)
        .exclude(
            Exists(
                rsvp.objects.filter(
                    occurrence__club=club, user=OuterRef("user_id"), responded_at__gte=OuterRef("started_at")
                )
            )
        )
        .exclude(
            Exists(
                achievement.objects.filter(
                    club=club, author=OuterRef("user_id"), created_at__gte=OuterRef("started_at")
                )
            )
        )
    )
    return [Due(member, f"joined:{_stamp(member.started_at)}") for member in reachable(members, kind="welcome_nudge")]


def renewal_reminder_due(club: Club, config: ClubAutomationSettings, now: datetime) -> list[Due]:
    """6- and 12-month (and longer) plans, ``renewal_reminder_days`` before the period ends and renews."""
    members = (
        _members(club, now)
        .filter(status=MembershipStatus.ACTIVE, is_complimentary=False)
        .filter(Q(plan__interval="year") | Q(plan__interval="month", plan__interval_count__gte=6))
        .filter(current_period_end__gt=now, current_period_end__lte=now + timedelta(days=config.renewal_reminder_days))
        .exclude(_set_to_end())
    )
    return [
        Due(
            member,
            f"renews:{member.current_period_end.date().isoformat()}",
            context={"renews_at": member.current_period_end.isoformat(), "plan_id": member.plan_id},
            trigger_at=member.current_period_end,
        )
        for member in reachable(members, kind="renewal_reminder")
    ]


def upgrade_nudge_due(club: Club, config: ClubAutomationSettings, now: datetime) -> list[Due]:
    """After N months on the monthly plan: the club's longest plan, once per (monthly plan, longest plan)."""
    plans = list(club.plans.filter(is_active=True))
    longest = max(plans, key=lambda plan: (plan.months, -plan.pk), default=None)
    if longest is None or longest.months <= 1:
        return []
    members = (
        _members(club, now)
        .filter(status=MembershipStatus.ACTIVE, is_complimentary=False, plan__interval="month", plan__interval_count=1)
        .filter(started_at__lte=now - relativedelta(months=config.upgrade_nudge_months))
        .exclude(_set_to_end())
    )
    return [
        Due(
            member,
            f"plan:{member.plan_id}:{longest.pk}",
            context={"from_plan_id": member.plan_id, "to_plan_id": longest.pk},
            is_offer=True,
        )
        for member in reachable(members, kind="upgrade_nudge")
    ]


def inactivity_due(club: Club, config: ClubAutomationSettings, now: datetime) -> list[Due]:
    """Silent for N days; the key is the last activity, so a member who comes back and goes quiet again is
    asked again, but one silence is asked about once."""
    members = inactive_members(club=club, now=now)
    return [
        Due(
            member, f"since:{_stamp(member.last_activity)}", context={"last_activity": member.last_activity.isoformat()}
        )
        for member in reachable(members, kind="inactivity")
    ]


def win_back_stage_for(
    *, elapsed: timedelta, stages: list[tuple[int, int]], window_days: int
) -> tuple[int, int] | None:
    """(stage number, percent off) for a member who left ``elapsed`` ago; None before the first stage and
    ``window_days`` after the last one. The discount grows with time since they left."""
    chosen = None
    for number, (days, percent) in enumerate(stages, start=1):
        if elapsed >= timedelta(days=days):
            chosen = (number, percent)
    if chosen is not None and chosen[0] == len(stages) and elapsed >= timedelta(days=stages[-1][0] + window_days):
        return None
    return chosen


def _window_days() -> int:
    return getattr(settings, "AUTOMATION_WIN_BACK_LAST_STAGE_DAYS", 30)


def win_back_due(club: Club, config: ClubAutomationSettings, now: datetime) -> list[Due]:
    """Members whose membership ended: one comeback offer per stage of the time since they left."""
    stages = config.win_back_stages
    left_at = Subquery(
        MembershipStatusChange.objects.filter(membership=OuterRef("pk"), to_status__in=LAPSED_STATUSES)
        .order_by("-changed_at", "-pk")
        .values("changed_at")[:1]
    )
    members = (
        Membership.objects.filter(club=club, status__in=LAPSED_STATUSES, plan__isnull=False)
        .annotate(left_at=left_at)
        .filter(left_at__lte=now - timedelta(days=stages[0][0]))
        .filter(left_at__gt=now - timedelta(days=stages[-1][0] + _window_days()))
        .select_related("user", "plan")
    )
    due = []
    for member in reachable(members, kind="win_back"):
        stage = win_back_stage_for(elapsed=now - member.left_at, stages=stages, window_days=_window_days())
        if stage is None:
            continue
        number, percent = stage
        due.append(
            Due(
                member,
                f"stage{number}:{member.left_at.date().isoformat()}",
                context={"stage": number, "left_at": member.left_at.isoformat()},
                percent_off=percent,
                is_offer=True,
            )
        )
    return due


def _is_birthday(birthday: date, today: date) -> bool:
    if (birthday.month, birthday.day) == (today.month, today.day):
        return True
    # Born on 29 February: celebrated on the 28th in other years.
    leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
    return (birthday.month, birthday.day) == (2, 29) and not leap and (today.month, today.day) == (2, 28)


def birthday_due(club: Club, config: ClubAutomationSettings, now: datetime) -> list[Due]:
    """Members whose birthday it is in their own time zone; once a year. The gift goes only to those offers reach."""
    days = [(now + timedelta(days=shift)).date() for shift in (-1, 0, 1)]
    same_day = Q()
    for day in days:
        same_day |= Q(user__birthday__month=day.month, user__birthday__day=day.day)
    same_day |= Q(user__birthday__month=2, user__birthday__day=29)
    members = _members(club, now).filter(user__birthday__isnull=False).filter(same_day)
    gift = config.birthday_gift_offer
    has_gift = gift is not None and gift.club_id == club.pk and gift.has_started(now) and not gift.is_expired(now)
    due = []
    for member in reachable(members, kind="birthday"):
        today = now.astimezone(ZoneInfo(member.user.time_zone or "UTC")).date()
        if _is_birthday(member.user.birthday, today):
            context = {"gift_offer_id": gift.pk} if has_gift else {}
            due.append(Due(member, f"year:{today.year}", context=context, is_offer=has_gift))
    return due


def after_event_due(club: Club, config: ClubAutomationSettings, now: datetime) -> list[Due]:
    """Members checked in at an event that has just ended: invited to share what they achieved."""
    attendance = apps.get_model("events", "Attendance")
    checked_in = (
        attendance.objects.filter(
            occurrence__club=club,
            occurrence__cancelled_at__isnull=True,
            occurrence__ends_at__gt=now - catch_up(),
            occurrence__ends_at__lte=now,
        )
        .select_related("occurrence")
        .order_by("occurrence__ends_at", "pk")
    )
    events_by_user: dict[int, list] = {}
    for row in checked_in:
        events_by_user.setdefault(row.user_id, []).append(row.occurrence)
    if not events_by_user:
        return []
    members = reachable(_members(club, now).filter(user_id__in=events_by_user), kind="after_event")
    return [
        Due(member, f"occurrence:{occurrence.pk}", context={"occurrence_id": occurrence.pk, "title": occurrence.title})
        for member in members
        for occurrence in events_by_user[member.user_id]
    ]


FINDERS: dict[str, Callable[[Club, ClubAutomationSettings, datetime], list[Due]]] = {
    AutomationKind.WELCOME: welcome_due,
    AutomationKind.WELCOME_NUDGE: welcome_nudge_due,
    AutomationKind.RENEWAL_REMINDER: renewal_reminder_due,
    AutomationKind.UPGRADE_NUDGE: upgrade_nudge_due,
    AutomationKind.INACTIVITY: inactivity_due,
    AutomationKind.WIN_BACK: win_back_due,
    AutomationKind.BIRTHDAY: birthday_due,
    AutomationKind.AFTER_EVENT: after_event_due,
}


# --- Claiming --------------------------------------------------------------------------------------


def _within_offer_rules(club: Club, kind: str, due: list[Due], now: datetime) -> list[Due]:
    """Offer-like messages honour the offer unsubscribe and the club's weekly cap (shared with the offers app).

    A birthday keeps its greeting but loses the gift when the gift would break the rules.
    """
    offered = [item for item in due if item.is_offer]
    if not offered:
        return due
    user_ids = [item.membership.user_id for item in offered]
    unsubscribed = offer_unsubscribed_user_ids(club=club, user_ids=user_ids)
    counts = offer_email_counts(club=club, user_ids=user_ids, now=now)
    allowed = []
    for item in due:
        user = item.membership.user
        if item.is_offer:
            blocked = (
                item.membership.user_id in unsubscribed
                or not user.email_offers
                or counts[user.pk] >= club.max_offer_emails_per_week
            )
            if blocked:
                if kind != AutomationKind.BIRTHDAY:
                    continue
                item.is_offer, item.context = False, {}
            else:
                counts[user.pk] += 1
        allowed.append(item)
    return allowed


def _claim(club: Club, kind: str, item: Due, now: datetime) -> bool:
    send, created = AutomationSend.objects.get_or_create(
        club=club,
        user_id=item.membership.user_id,
        kind=kind,
        trigger_key=item.trigger_key[:80],
        defaults={
            "membership": item.membership,
            "is_offer": item.is_offer,
            "context": item.context,
            "percent_off": item.percent_off,
            "trigger_at": item.trigger_at,
            "created_at": now,
        },
    )
    if created:
        from automations.tasks import deliver_automation_send

        transaction.on_commit(lambda: deliver_automation_send.delay(send.pk))
    return created


def _already_claimed(club: Club, kind: str, due: Iterable[Due]) -> set[tuple[int, str]]:
    due = list(due)
    keys = {item.trigger_key for item in due}
    return set(
        AutomationSend.objects.filter(
            club=club, kind=kind, user_id__in={item.membership.user_id for item in due}, trigger_key__in=keys
        ).values_list("user_id", "trigger_key")
    )


@transaction.atomic
def automation_run_kind(*, club: Club, kind: str, now: datetime | None = None) -> int:
    """Claim every message of one kind due now in one club; returns how many were newly claimed."""
    now = now or timezone.now()
    config = automation_settings_for(club=club)
    if not config.is_enabled(kind):
        return 0
    due = FINDERS[kind](club, config, now)
    if not due:
        return 0
    # Skip what was claimed before, so the cap only counts messages that would really go out now.
    claimed_before = _already_claimed(club, kind, due)
    due = [item for item in due if (item.membership.user_id, item.trigger_key) not in claimed_before]
    if kind in OFFER_KINDS or kind == AutomationKind.BIRTHDAY:
        due = _within_offer_rules(club, kind, due, now)
    return sum(_claim(club, kind, item, now) for item in due)


def automations_run_for_club(*, club: Club, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {kind: automation_run_kind(club=club, kind=kind, now=now) for kind in FINDERS}


def automations_run(*, now: datetime | None = None) -> dict[str, int]:
    """Every club, every automation: what Celery beat runs. Safe to run twice, or twice at once."""
    from automations.services.tracking import conversions_record

    now = now or timezone.now()
    totals = dict.fromkeys(FINDERS, 0)
    for club in Club.objects.order_by("pk"):
        for kind, claimed in automations_run_for_club(club=club, now=now).items():
            totals[kind] += claimed
    conversions_record(now=now)
    return totals
