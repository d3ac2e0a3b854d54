"""Reads for privacy: everything the site holds about one person, as JSON-ready lists (the export's files).

Each function returns what one file of the export holds, in plain values: datetimes as ISO 8601 in UTC, money
as minor units with the currency (core/money.py's rule), files by their path inside the ZIP. A fixed number of
queries per file, whatever the member's history.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import PurePosixPath

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, Q
from django.utils import timezone

from analytics.models import NpsResponse, NpsSurvey
from automations.models import AutomationSend, CancellationFeedback, Referral
from billing.models import ActivationEmail, Invoice, Subscription
from clubs.models import Club, Consent, ConsentChange, ConsentPurpose, ConsentStatus, Membership, MembershipStatusChange
from events.models import Attendance, EventReminder, Rsvp
from feed.models import Achievement, Cheer, Comment
from members.models import User
from offers.models import OfferDelivery, Redemption
from privacy.models import DataExport

PHOTOS_FOLDER = "photos"


def plain(value):
    """A JSON value: aware datetimes in UTC ISO 8601, dates ISO, everything else as it is."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(obj, fields: list[str]) -> dict:
    return {field: plain(getattr(obj, field)) for field in fields}


def photo_path(achievement: Achievement) -> str:
    """Where a post's photo sits inside the ZIP (its stored name is random; the post id makes it findable)."""
    return f"{PHOTOS_FOLDER}/post-{achievement.pk}{PurePosixPath(achievement.photo.name).suffix}"


def avatar_path(user: User) -> str:
    return f"{PHOTOS_FOLDER}/avatar{PurePosixPath(user.avatar.name).suffix}"


def export_profile(*, user: User) -> dict:
    profile = _row(
        user,
        [
            "email",
            "display_name",
            "time_zone",
            "preferred_language",
            "calendar",
            "birthday",
            "email_event_reminders",
            "email_offers",
            "email_club_news",
            "email_activity_digest",
            "date_joined",
            "last_login",
        ],
    )
    profile["avatar"] = avatar_path(user) if user.avatar else None
    profile["email_addresses"] = [
        _row(address, ["email", "verified", "primary"]) for address in EmailAddress.objects.filter(user=user)
    ]
    profile["leads_clubs"] = list(user.led_clubs.order_by("name").values_list("name", flat=True))
    return profile


def export_memberships(*, user: User) -> list[dict]:
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("club", "plan")
        .prefetch_related(
            Prefetch("status_changes", queryset=MembershipStatusChange.objects.order_by("changed_at", "pk")),
            Prefetch("subscriptions", queryset=Subscription.objects.order_by("created_at", "pk")),
        )
        .order_by("created_at", "pk")
    )
    return [
        {
            "club": membership.club.name,
            "plan": membership.plan.name if membership.plan else None,
            **_row(
                membership,
                [
                    "status",
                    "started_at",
                    "current_period_end",
                    "ends_at_period_end",
                    "canceled_at",
                    "past_due_since",
                    "grace_period_ends_at",
                    "is_complimentary",
                    "complimentary_until",
                    "created_at",
                ],
            ),
            "status_history": [
                _row(change, ["from_status", "to_status", "changed_at", "reason"])
                for change in membership.status_changes.all()
            ],
            "subscriptions": [
                _row(
                    subscription,
                    [
                        "stripe_subscription_id",
                        "status",
                        "amount_minor",
                        "currency",
                        "current_period_start",
                        "current_period_end",
                        "cancel_at_period_end",
                        "canceled_at",
                        "ended_at",
                    ],
                )
                for subscription in membership.subscriptions.all()
            ],
        }
        for membership in memberships
    ]


INVOICE_FIELDS = [
    "stripe_invoice_id",
    "status",
    "billing_reason",
    "currency",
    "amount_due_minor",
    "amount_paid_minor",
    "amount_refunded_minor",
    "period_start",
    "period_end",
    "stripe_created",
    "paid_at",
    "hosted_invoice_url",
    "invoice_pdf",
]


def export_invoices(*, user: User) -> list[dict]:
    invoices = Invoice.objects.filter(customer__user=user).order_by("stripe_created", "pk")
    return [_row(invoice, INVOICE_FIELDS) for invoice in invoices]


def export_purchases(*, user: User) -> list[dict]:
    """Offers bought (member-exclusive offers paid through Stripe Checkout)."""
    redemptions = Redemption.objects.filter(user=user).select_related("offer__club").order_by("created_at", "pk")
    return [
        {
            "club": redemption.offer.club.name,
            "offer": redemption.offer.title,
            **_row(redemption, ["status", "amount_minor", "currency", "created_at", "paid_at"]),
        }
        for redemption in redemptions
    ]


def export_rsvps(*, user: User) -> list[dict]:
    rsvps = Rsvp.objects.filter(user=user).select_related("occurrence__club").order_by("occurrence__starts_at", "pk")
    return [
        {
            "club": rsvp.occurrence.club.name,
            "event": rsvp.occurrence.title,
            "starts_at": plain(rsvp.occurrence.starts_at),
            **_row(rsvp, ["status", "guests", "responded_at", "waitlisted_at", "promoted_at", "created_at"]),
        }
        for rsvp in rsvps
    ]


def export_attendance(*, user: User) -> list[dict]:
    attended = Attendance.objects.filter(user=user).select_related("occurrence__club").order_by("checked_in_at", "pk")
    return [
        {
            "club": item.occurrence.club.name,
            "event": item.occurrence.title,
            "starts_at": plain(item.occurrence.starts_at),
            "checked_in_at": plain(item.checked_in_at),
        }
        for item in attended
    ]


def export_posts(*, user: User) -> list[dict]:
    posts = Achievement.objects.filter(author=user).select_related("club").order_by("created_at", "pk")
    return [
        {
            "id": post.pk,
            "club": post.club.name,
            **_row(post, ["text", "tag", "is_hidden", "created_at", "edited_at"]),
            "photo": photo_path(post) if post.photo else None,
        }
        for post in posts
    ]


def posts_with_photos(*, user: User) -> list[Achievement]:
    return list(Achievement.objects.filter(author=user).exclude(photo="").order_by("pk"))


def export_comments(*, user: User) -> list[dict]:
    comments = Comment.objects.filter(author=user).select_related("achievement__club").order_by("created_at", "pk")
    return [
        {
            "post": comment.achievement_id,
            "club": comment.achievement.club.name,
            **_row(comment, ["text", "is_hidden", "created_at", "edited_at"]),
        }
        for comment in comments
    ]


def export_cheers(*, user: User) -> list[dict]:
    cheers = Cheer.objects.filter(user=user).select_related("achievement__club").order_by("created_at", "pk")
    return [
        {"post": cheer.achievement_id, "club": cheer.achievement.club.name, "created_at": plain(cheer.created_at)}
        for cheer in cheers
    ]


def export_nps(*, user: User) -> list[dict]:
    answers = NpsResponse.objects.filter(respondent=user).select_related("club").order_by("answered_at", "pk")
    return [{"club": answer.club.name, **_row(answer, ["score", "comment", "answered_at"])} for answer in answers]


def export_emails(*, user: User) -> list[dict]:
    """Every email the site recorded sending to the member: offers, automations, activation, reminders, surveys.

    Account emails (sign-up confirmation, password reset) leave no record, so they cannot be listed.
    """
    sent: list[dict] = []
    for delivery in OfferDelivery.objects.filter(user=user).select_related("offer", "club").order_by("pk"):
        sent.append(
            {
                "kind": "offer",
                "club": delivery.club.name,
                "subject": delivery.offer.title,
                **_row(delivery, ["status", "created_at", "sent_at", "opened_at", "clicked_at"]),
            }
        )
    for send in AutomationSend.objects.filter(user=user).select_related("club").order_by("pk"):
        sent.append(
            {
                "kind": f"automation:{send.kind}",
                "club": send.club.name,
                **_row(send, ["status", "is_offer", "created_at", "sent_at", "clicked_at", "converted_at"]),
            }
        )
    for email in (
        ActivationEmail.objects.filter(status_change__membership__user=user)
        .select_related("status_change__membership__club")
        .order_by("pk")
    ):
        sent.append(
            {
                "kind": "membership_active",
                "club": email.status_change.membership.club.name,
                "sent_at": plain(email.sent_at),
            }
        )
    for reminder in (
        EventReminder.objects.filter(rsvp__user=user).select_related("rsvp__occurrence__club").order_by("pk")
    ):
        sent.append(
            {
                "kind": f"event_reminder:{reminder.kind}",
                "club": reminder.rsvp.occurrence.club.name,
                "event": reminder.rsvp.occurrence.title,
                "sent_at": plain(reminder.sent_at),
            }
        )
    for survey in NpsSurvey.objects.filter(membership__user=user).select_related("club").order_by("pk"):
        sent.append({"kind": "nps_survey", "club": survey.club.name, "sent_at": plain(survey.emailed_at)})
    return sent


def export_consents(*, user: User) -> list[dict]:
    consents = (
        Consent.objects.filter(user=user)
        .select_related("club")
        .prefetch_related(Prefetch("changes", queryset=ConsentChange.objects.order_by("changed_at", "pk")))
        .order_by("club__name", "purpose")
    )
    return [
        {
            "club": consent.club.name,
            **_row(consent, ["purpose", "status", "source", "given_at", "confirmed_at", "withdrawn_at"]),
            "history": [_row(change, ["status", "source", "changed_at"]) for change in consent.changes.all()],
        }
        for consent in consents
    ]


def export_referrals(*, user: User) -> list[dict]:
    """Friends the member referred, and the referral that brought the member in."""
    referrals = (
        Referral.objects.filter(Q(referrer=user) | Q(referred=user)).select_related("club").order_by("created_at", "pk")
    )
    return [
        {
            "club": referral.club.name,
            "role": "referrer" if referral.referrer_id == user.pk else "referred",
            **_row(referral, ["status", "credit_minor", "currency", "created_at", "rewarded_at"]),
        }
        for referral in referrals
    ]


def export_cancellation_feedback(*, user: User) -> list[dict]:
    feedback = CancellationFeedback.objects.filter(user=user).select_related("club").order_by("created_at", "pk")
    return [{"club": item.club.name, **_row(item, ["reasons", "comment", "created_at"])} for item in feedback]


# The export's JSON files, in the order the README inside the ZIP lists them.
EXPORT_FILES = {
    "profile.json": export_profile,
    "memberships.json": export_memberships,
    "invoices.json": export_invoices,
    "purchases.json": export_purchases,
    "rsvps.json": export_rsvps,
    "attendance.json": export_attendance,
    "posts.json": export_posts,
    "comments.json": export_comments,
    "cheers.json": export_cheers,
    "nps.json": export_nps,
    "emails.json": export_emails,
    "consents.json": export_consents,
    "referrals.json": export_referrals,
    "cancellation_feedback.json": export_cancellation_feedback,
}


# --- The privacy page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRow:
    purpose: str
    label: str
    status: str  # a ConsentStatus, or "" when the member never answered
    consent: Consent | None

    @property
    def is_given(self) -> bool:
        return self.status == ConsentStatus.GIVEN

    @property
    def is_pending(self) -> bool:
        return self.status == ConsentStatus.PENDING


@dataclass(frozen=True)
class ClubConsents:
    club: Club
    rows: list[ConsentRow]


def consent_rows(*, user: User) -> list[ClubConsents]:
    """Each club the member belongs (or belonged) to, with their answer for each kind of email (2 queries).

    Offer consent in a club with double opt-in counts only once confirmed, so an unconfirmed "given" (the
    club turned double opt-in on later) shows as waiting for confirmation.
    """
    clubs = Club.objects.filter(memberships__user=user).order_by("name").distinct()
    consents = {(consent.club_id, consent.purpose): consent for consent in Consent.objects.filter(user=user)}
    result = []
    for club in clubs:
        rows = []
        for purpose, label in ConsentPurpose.choices:
            consent = consents.get((club.pk, purpose))
            status = consent.status if consent else ""
            if (
                status == ConsentStatus.GIVEN
                and purpose == ConsentPurpose.OFFERS
                and club.offer_double_opt_in
                and not consent.confirmed_at
            ):
                status = ConsentStatus.PENDING
            rows.append(ConsentRow(purpose=purpose, label=str(label), status=status, consent=consent))
        result.append(ClubConsents(club=club, rows=rows))
    return result


def recent_exports(*, user: User, limit: int = 5) -> list[DataExport]:
    return list(DataExport.objects.filter(user=user).order_by("-requested_at", "-pk")[:limit])
