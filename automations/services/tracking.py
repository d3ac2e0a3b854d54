"""Clicks and conversions: what each automation brought, shown to the club's leaders.

A conversion is the thing the message asked for, done after it was sent: a post or RSVP after a welcome,
re-engagement or event message, a longer plan after an upgrade nudge, a renewal after a reminder, a rejoin
after a win-back offer, the gift bought after a birthday. Recorded by a sweep that runs with the automations.
"""

from datetime import datetime

from django.apps import apps
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from automations.models import AutomationKind, AutomationSend, SendStatus
from clubs.models import Membership, MembershipStatus, MembershipStatusChange


def click_record(*, send_id: int, now: datetime | None = None) -> AutomationSend | None:
    """Note the first click of a message; later clicks change nothing."""
    now = now or timezone.now()
    AutomationSend.objects.filter(pk=send_id, clicked_at__isnull=True).update(clicked_at=now)
    return AutomationSend.objects.select_related("club").filter(pk=send_id).first()


def _activity_after_send() -> Q:
    """An RSVP, a check-in or a post in the send's club after it was sent."""
    rsvp = apps.get_model("events", "Rsvp")
    attendance = apps.get_model("events", "Attendance")
    achievement = apps.get_model("feed", "Achievement")
    return (
        Q(
            Exists(
                rsvp.objects.filter(
                    occurrence__club=OuterRef("club"), user=OuterRef("user"), responded_at__gt=OuterRef("sent_at")
                )
            )
        )
        | Q(
            Exists(
                attendance.objects.filter(
                    occurrence__club=OuterRef("club"), user=OuterRef("user"), checked_in_at__gt=OuterRef("sent_at")
                )
            )
        )
        | Q(
            Exists(
                achievement.objects.filter(
                    club=OuterRef("club"), author=OuterRef("user"), created_at__gt=OuterRef("sent_at")
                )
            )
        )
    )


def _posted_after_send() -> Q:
    achievement = apps.get_model("feed", "Achievement")
    return Q(
        Exists(
            achievement.objects.filter(
                club=OuterRef("club"), author=OuterRef("user"), created_at__gt=OuterRef("sent_at")
            )
        )
    )


def _conversion_rules() -> dict[str, Q]:
    membership = Membership.objects.filter(pk=OuterRef("membership_id"))
    redemption = apps.get_model("offers", "Redemption")
    return {
        AutomationKind.WELCOME: _activity_after_send(),
        AutomationKind.WELCOME_NUDGE: _activity_after_send(),
        AutomationKind.INACTIVITY: _activity_after_send(),
        AutomationKind.AFTER_EVENT: _posted_after_send(),
        # On a plan of more than one month now (the nudge only goes to monthly members).
        AutomationKind.UPGRADE_NUDGE: Q(
            Exists(membership.exclude(plan__interval="month", plan__interval_count=1).filter(plan__isnull=False))
        ),
        # Renewed: the period now ends after the renewal date the reminder named.
        AutomationKind.RENEWAL_REMINDER: Q(
            Exists(
                membership.filter(
                    status=MembershipStatus.ACTIVE,
                    current_period_end__gt=OuterRef("trigger_at"),
                )
            )
        ),
        # Rejoined: the membership became active or trialing again after the offer was sent.
        AutomationKind.WIN_BACK: Q(
            Exists(
                MembershipStatusChange.objects.filter(
                    membership=OuterRef("membership_id"),
                    to_status__in=(MembershipStatus.ACTIVE, MembershipStatus.TRIALING),
                    changed_at__gt=OuterRef("sent_at"),
                )
            )
        ),
        AutomationKind.BIRTHDAY: Q(
            Exists(
                redemption.objects.filter(
                    user=OuterRef("user"),
                    offer__club=OuterRef("club"),
                    status="paid",
                    paid_at__gt=OuterRef("sent_at"),
                )
            )
        ),
    }


@transaction.atomic
def conversions_record(*, now: datetime | None = None) -> int:
    """Mark sent messages whose goal has since been reached (one UPDATE per kind); returns how many."""
    now = now or timezone.now()
    converted = 0
    for kind, rule in _conversion_rules().items():
        converted += (
            AutomationSend.objects.filter(kind=kind, status=SendStatus.SENT, converted_at__isnull=True)
            .filter(rule)
            .update(converted_at=now)
        )
    return converted
