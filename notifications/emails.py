"""notifications' emails through the one member-email pipeline (core/emails.py).

Category ``notifications``; the one-click unsubscribe (RFC 8058) turns off email for the kind the message
was about (``notifications:email-unsubscribe``), and the preference link opens the notification settings.
A digest's unsubscribe turns off every kind the person had in the digest.
"""

from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clubs.emails import branding_for
from core import emails
from core.formatting import format_number
from core.tokens import token_make
from members.emails import recipient_for
from members.models import User
from notifications.models import Notification

UNSUBSCRIBE_PURPOSE = "notifications.email-unsubscribe"
DIGEST = "digest"  # the unsubscribe token's "kind" for a digest: every kind in it


def unsubscribe_url(*, user: User, kind: str) -> str:
    token = token_make(purpose=UNSUBSCRIBE_PURPOSE, parts=[user.pk, kind])
    return emails.site_url(reverse("notifications:email-unsubscribe", args=[token]))


def preferences_url() -> str:
    return emails.site_url(reverse("notifications:preferences"))


def links_for(*, user: User, kind: str) -> emails.Links:
    return emails.Links(unsubscribe_url=unsubscribe_url(user=user, kind=kind), preferences_url=preferences_url())


def _absolute(url: str) -> str:
    return emails.site_url(url) if url else emails.site_url(reverse("notifications:notification-list"))


def notification_email_send(*, notification: Notification) -> bool:
    """One notification on its own; from its club when it has one, else from the site."""
    user = notification.user
    branding = branding_for(notification.club) if notification.club_id else emails.site_branding()
    context = {
        "user": user,
        "notification": notification,
        "url": _absolute(notification.url),
        "all_url": emails.site_url(reverse("notifications:notification-list")),
    }
    return emails.email_send(
        recipient=recipient_for(user),
        branding=branding,
        category=emails.NOTIFICATIONS,
        subject=lambda: notification.text,
        text_template="notifications/email/notification.txt",
        html_template="notifications/email/notification.html",
        context=context,
        links=links_for(user=user, kind=notification.kind),
    )


def digest_email_send(*, user: User, notifications: list[Notification]) -> bool:
    """The daily digest: every notification since the last one, oldest first, each with its link."""
    first_club = next((item.club for item in notifications if item.club_id), None)
    branding = emails.site_branding()
    if first_club is not None:  # a digest spans clubs: from the site, in the first club's language as a fallback
        branding = replace(branding, default_language=first_club.default_language)
    count = len(notifications)
    context = {
        "user": user,
        "entries": [{"notification": item, "url": _absolute(item.url)} for item in notifications],
        "all_url": emails.site_url(reverse("notifications:notification-list")),
    }
    return emails.email_send(
        recipient=recipient_for(user),
        branding=branding,
        category=emails.NOTIFICATIONS,
        subject=lambda: (
            ngettext(
                "Your daily digest: %(count)s new notification", "Your daily digest: %(count)s new notifications", count
            )
            % {"count": format_number(count)}
        ),
        text_template="notifications/email/digest.txt",
        html_template="notifications/email/digest.html",
        context=context,
        links=links_for(user=user, kind=DIGEST),
        reason=lambda: _("You get this email because you chose the daily digest for some of your notifications."),
    )
