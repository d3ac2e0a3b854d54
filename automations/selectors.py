"""Reads for automations: settings, who may be emailed, what each automation achieved, referral stats."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from automations.models import (
    AutomationKind,
    AutomationSend,
    AutomationWording,
    CancellationFeedback,
    CancellationReason,
    ClubAutomationSettings,
    Referral,
    ReferralCode,
    ReferralStatus,
    SendStatus,
)
from clubs.consent import consent_given
from clubs.models import Club, ConsentPurpose, Membership
from members.models import User
from members.services import users_with_deliverable_email
from offers.cap import offer_email_count


def catch_up() -> timedelta:
    """How late a time-based trigger may still fire (a beat missed during a deploy is caught up, old ones are not)."""
    return timedelta(days=getattr(settings, "AUTOMATION_CATCH_UP_DAYS", 3))


def automation_settings_for(*, club: Club) -> ClubAutomationSettings:
    """The club's settings, or unsaved defaults when leaders never changed them."""
    found = ClubAutomationSettings.objects.select_related("birthday_gift_offer").filter(club=club).first()
    return found or ClubAutomationSettings(club=club)


# --- Who may receive what ----------------------------------------------------------------------------

PREFERENCE_FOR = {
    AutomationKind.WELCOME: "email_club_news",
    AutomationKind.WELCOME_NUDGE: "email_club_news",
    AutomationKind.INACTIVITY: "email_club_news",
    AutomationKind.BIRTHDAY: "email_club_news",
    AutomationKind.AFTER_EVENT: "email_event_reminders",
    AutomationKind.UPGRADE_NUDGE: "email_offers",
    AutomationKind.WIN_BACK: "email_offers",
    # A renewal reminder is a service message about money about to be taken: no opt-out but suppression.
    AutomationKind.RENEWAL_REMINDER: None,
}


def reachable(members: QuerySet[Membership], *, kind: str) -> QuerySet[Membership]:
    """Members whose preference allows this kind and whose address has not bounced or complained."""
    members = members.filter(user__in=users_with_deliverable_email(User.objects.all()))
    preference = PREFERENCE_FOR[kind]
    if preference:  # the member's consent for this club (clubs.consent); a renewal reminder is a service message
        purpose = ConsentPurpose.OFFERS if preference == "email_offers" else ConsentPurpose.AUTOMATIONS
        members = members.filter(consent_given(purpose=purpose))
    return members.filter(**{f"user__{preference}": True}) if preference else members


def offer_email_counts(*, club: Club, user_ids: list[int], now: datetime) -> dict[int, int]:
    """Offer emails each member got from this club in the last 7 days, from the offers app and from ours (1 query).

    The cap's one rule, ``offers.cap.offer_email_count``, is the one ``offers.selectors.offer_audience`` uses,
    so both apps count the same emails and share one cap.
    """
    counts: dict[int, int] = dict.fromkeys(user_ids, 0)
    counts.update(
        User.objects.filter(pk__in=user_ids)
        .annotate(count=offer_email_count(club=club, now=now, user_field="pk"))
        .values_list("pk", "count")
    )
    return counts


def offer_unsubscribed_user_ids(*, club: Club, user_ids: list[int]) -> set[int]:
    """Members who clicked 'no more offers from this club' in an offer email."""
    unsubscribe = apps.get_model("offers", "OfferUnsubscribe")
    return set(unsubscribe.objects.filter(club=club, user_id__in=user_ids).values_list("user_id", flat=True))


# --- Activity ------------------------------------------------------------------------------------------


def inactive_members(*, club: Club, now: datetime | None = None) -> QuerySet[Membership]:
    """Members with access and no RSVP, check-in or post for the club's inactivity period, longest silent first.

    Quiet and ``last_activity`` as ``clubs.activity`` defines them: an activity exactly ``inactivity_days``
    ago is already silence.
    """
    now = now or timezone.now()
    days = automation_settings_for(club=club).inactivity_days
    return (
        Membership.objects.filter(club=club)
        .with_access(now)
        .quiet_since(now - timedelta(days=days))
        .with_last_activity()
        .select_related("user", "plan")
        .order_by("last_activity", "pk")
    )


# --- What each automation achieved ---------------------------------------------------------------------


@dataclass(frozen=True)
class AutomationStats:
    kind: str
    label: str
    enabled: bool
    sent: int
    clicked: int
    converted: int

    @property
    def click_percent(self) -> float:
        return round(self.clicked * 100 / self.sent, 1) if self.sent else 0.0

    @property
    def conversion_percent(self) -> float:
        return round(self.converted * 100 / self.sent, 1) if self.sent else 0.0


def automation_stats(*, club: Club, club_settings: ClubAutomationSettings) -> list[AutomationStats]:
    """Sent, clicked and converted per automation (1 query)."""
    rows = {
        row["kind"]: row
        for row in AutomationSend.objects.filter(club=club, status=SendStatus.SENT)
        .values("kind")
        .annotate(
            sent=Count("pk"),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
            converted=Count("pk", filter=Q(converted_at__isnull=False)),
        )
        .order_by()
    }
    empty = {"sent": 0, "clicked": 0, "converted": 0}
    return [
        AutomationStats(
            kind=kind,
            label=label,
            enabled=club_settings.is_enabled(kind),
            **{key: rows.get(kind, empty)[key] for key in empty},
        )
        for kind, label in AutomationKind.choices
    ]


# --- Referrals -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralStats:
    joined: int  # friends who started checkout through the link
    paid: int  # ... whose first payment succeeded (the referrer was credited)
    credit_minor: int
    currency: str


def _referral_stats(referrals: QuerySet[Referral], currency: str) -> ReferralStats:
    totals = referrals.aggregate(
        joined=Count("pk"),
        paid=Count("pk", filter=Q(status=ReferralStatus.REWARDED)),
        credit=Coalesce(Sum("credit_minor", filter=Q(status=ReferralStatus.REWARDED)), 0),
    )
    return ReferralStats(joined=totals["joined"], paid=totals["paid"], credit_minor=totals["credit"], currency=currency)


def referral_joined_exists(*, club: Club, user: User) -> bool:
    """Has the member referred a friend who joined (paid their first period, the referral is rewarded)?"""
    return Referral.objects.filter(club=club, referrer=user, status=ReferralStatus.REWARDED).exists()


def referral_stats_for_member(*, club: Club, user: User) -> ReferralStats:
    return _referral_stats(Referral.objects.filter(club=club, referrer=user), club.currency)


def referral_stats_for_club(*, club: Club) -> ReferralStats:
    return _referral_stats(Referral.objects.filter(club=club), club.currency)


def top_referrers(*, club: Club, limit: int = 10) -> QuerySet[User]:
    """Members whose links brought the most friends, with how many paid (1 query)."""
    return (
        User.objects.filter(referrals_made__club=club)
        .annotate(
            referred_count=Count("referrals_made", filter=Q(referrals_made__club=club)),
            rewarded_count=Count(
                "referrals_made",
                filter=Q(referrals_made__club=club, referrals_made__status=ReferralStatus.REWARDED),
            ),
        )
        .order_by("-rewarded_count", "-referred_count", "pk")[:limit]
    )


def referral_code_lookup(*, code: str) -> ReferralCode | None:
    return ReferralCode.objects.select_related("club", "user").filter(code=code).first()


# --- Why members leave -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    label: str
    count: int


def cancellation_reason_counts(
    *, clubs: Iterable[Club], start: datetime | None = None, end: datetime | None = None
) -> list[ReasonCount]:
    """How often each reason was given in [start, end) (a cancellation may give several); most frequent first.

    The reasons are a short list per cancellation, so they are tallied here over the period's cancellations
    (not over members): one query, however many clubs.
    """
    feedback = CancellationFeedback.objects.filter(club__in=clubs)
    if start is not None:
        feedback = feedback.filter(created_at__gte=start)
    if end is not None:
        feedback = feedback.filter(created_at__lt=end)
    counts = dict.fromkeys(CancellationReason.values, 0)
    for reasons in feedback.values_list("reasons", flat=True):
        for reason in reasons:
            if reason in counts:
                counts[reason] += 1
    labels = dict(CancellationReason.choices)
    return sorted(
        (ReasonCount(reason=reason, label=labels[reason], count=count) for reason, count in counts.items()),
        key=lambda item: (-item.count, item.reason),
    )


def cancellation_comments(*, club: Club, limit: int = 20) -> QuerySet[CancellationFeedback]:
    return (
        CancellationFeedback.objects.filter(club=club)
        .exclude(comment="")
        .select_related("user")
        .order_by("-created_at", "-pk")[:limit]
    )


def automation_wordings_for(*, club: Club, kind: str) -> dict:
    """The club's own texts for one kind, by language (one query)."""
    return {wording.language: wording for wording in AutomationWording.objects.filter(club=club, kind=kind)}
