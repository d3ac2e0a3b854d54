"""An announcement reaches the club: in the site for everyone who may enter, by email once to who wants club news."""

from datetime import datetime

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from clubs.emails import branding_for
from clubs.models import Membership
from core import emails
from feed.models import Announcement, AnnouncementDelivery, AnnouncementDeliveryStatus, AnnouncementEmail
from members.emails import links_for, recipient_for
from notifications.selectors import users_wanting_email_now
from notifications.services import notification_send


def announcement_audience_ids(*, announcement: Announcement) -> list[int]:
    """Members who may enter the club, except the author: they hear about it in the site (1 query)."""
    members = Membership.objects.with_access().filter(club_id=announcement.club_id)
    if announcement.author_id:
        members = members.exclude(user_id=announcement.author_id)
    return list(members.order_by("user_id").values_list("user_id", flat=True).distinct())


def announcement_notify(*, announcement_id: int) -> int:
    """Tell the club in the site (notifications deduplicate per announcement, so a retry stores nothing twice)."""
    announcement = Announcement.objects.select_related("club").filter(pk=announcement_id).first()
    if announcement is None:
        return 0
    return notification_send(
        kind="announcement_new",
        user_ids=announcement_audience_ids(announcement=announcement),
        club=announcement.club,
        params={"announcement_id": announcement.pk, "club_name": announcement.club.name, "title": announcement.title},
        url=announcement.get_absolute_url(),
        actor_id=announcement.author_id,
    )


def _email_recipient_ids(*, announcement: Announcement) -> list[int]:
    """Members who want club news by email and, for this kind, an email now (their notification setting)."""
    members = Membership.objects.with_access().filter(club_id=announcement.club_id, user__email_club_news=True)
    if announcement.author_id:
        members = members.exclude(user_id=announcement.author_id)
    ids = list(members.order_by("user_id").values_list("user_id", flat=True).distinct())
    return sorted(users_wanting_email_now(user_ids=ids, kind="announcement_new"))


def announcement_emails_send(*, announcement_id: int, now: datetime | None = None) -> int:
    """Email an announcement to its recipients; returns how many were sent by this run.

    A member never gets it twice: each has one delivery row (unique per announcement and member), and a
    row is sent while it is locked and marked sent in the same transaction, so a retried, duplicated or
    parallel task skips what another sent. A failure rolls back that member's row only; the next run
    sends it. Without an email request (or once the announcement is deleted) nothing goes out.
    """
    announcement = Announcement.objects.select_related("club").filter(pk=announcement_id).first()
    if announcement is None or not AnnouncementEmail.objects.filter(announcement=announcement).exists():
        return 0
    AnnouncementDelivery.objects.bulk_create(
        [
            AnnouncementDelivery(announcement=announcement, user_id=user_id)
            for user_id in _email_recipient_ids(announcement=announcement)
        ],
        ignore_conflicts=True,
    )
    pending = list(
        announcement.deliveries.filter(status=AnnouncementDeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not pending:
        return 0
    branding = branding_for(announcement.club)
    sent = 0
    with get_connection() as connection:  # one SMTP connection for the whole run
        for delivery_id in pending:
            sent += _announcement_delivery_send(
                delivery_id=delivery_id,
                announcement=announcement,
                branding=branding,
                connection=connection,
                now=now or timezone.now(),
            )
    return sent


@transaction.atomic
def _announcement_delivery_send(
    *, delivery_id: int, announcement: Announcement, branding: emails.Branding, connection, now: datetime
) -> int:
    delivery = (
        AnnouncementDelivery.objects.select_for_update(skip_locked=True)
        .select_related("user")
        .filter(pk=delivery_id, status=AnnouncementDeliveryStatus.PENDING)
        .first()
    )
    if delivery is None:  # sent (or being sent) by another run
        return 0
    user = delivery.user
    status = AnnouncementDeliveryStatus.SKIPPED
    if user.email_club_news:  # the member may have unsubscribed since the audience was read
        url = settings.SITE_URL + announcement.get_absolute_url()
        try:
            message = emails.email_build(
                recipient=recipient_for(user),
                branding=branding,
                category=emails.ANNOUNCEMENTS,
                subject_template="feed/email/announcement_subject.txt",
                text_template="feed/email/announcement.txt",
                html_template="feed/email/announcement.html",
                context={"user": user, "announcement": announcement, "club": announcement.club, "url": url},
                # The same Message-ID for the same member and announcement: a copy resent after a crash folds into one.
                links=links_for(
                    user=user,
                    category=emails.ANNOUNCEMENTS,
                    extra_headers={"Message-ID": emails.message_id(stable=f"announcement-{announcement.pk}-{user.pk}")},
                ),
            )
        except emails.EmailSuppressed:
            pass
        else:
            message.connection = connection
            message.send()
            status = AnnouncementDeliveryStatus.SENT
    delivery.status = status
    delivery.sent_at = now
    delivery.save(update_fields=["status", "sent_at"])
    return 1 if status == AnnouncementDeliveryStatus.SENT else 0
