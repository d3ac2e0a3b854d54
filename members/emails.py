"""members' side of the email pipeline (core/emails.py): who the recipient is, and how they opt out.

Each non-transactional category maps to the profile preference that turns it off; the one-click
unsubscribe link (``members:email-unsubscribe``, RFC 8058) turns exactly that preference off, and the
preference link opens the profile at that setting.
"""

from django.urls import reverse

from core import emails
from core.tokens import token_make
from members.models import User

UNSUBSCRIBE_PURPOSE = "members.email-unsubscribe"

# category -> the User field that turns it off
PREFERENCE_FOR_CATEGORY = {
    emails.OFFERS: "email_offers",
    emails.AUTOMATIONS: "email_club_news",
    emails.DIGEST: "email_activity_digest",
    emails.NPS: "email_club_news",
    emails.ANNOUNCEMENTS: "email_club_news",
}


def recipient_for(user: User) -> emails.Recipient:
    return emails.Recipient(
        email=user.email,
        language=user.preferred_language,
        time_zone=user.time_zone or "UTC",
        display_name=user.public_name,
        user_id=user.pk,
    )


# Every preference an unsubscribe link may turn off (an automation kind may use one of these directly).
EMAIL_PREFERENCES = ("email_event_reminders", "email_offers", "email_club_news", "email_activity_digest")


def unsubscribe_url(*, user: User, category: str, preference: str = "") -> str:
    """The one-click link that turns off ``preference`` (by default the category's)."""
    field = preference or PREFERENCE_FOR_CATEGORY[category]
    token = token_make(purpose=UNSUBSCRIBE_PURPOSE, parts=[user.pk, field])
    return emails.site_url(reverse("members:email-unsubscribe", args=[token]))


def preferences_url(*, category: str, preference: str = "") -> str:
    """The profile, scrolled to this category's setting."""
    return emails.site_url(reverse("members:profile")) + f"#id_{preference or PREFERENCE_FOR_CATEGORY[category]}"


def links_for(*, user: User, category: str, preference: str = "", **extra) -> emails.Links:
    """The standard links of a non-transactional email: members' one-click unsubscribe for this category."""
    return emails.Links(
        unsubscribe_url=unsubscribe_url(user=user, category=category, preference=preference),
        preferences_url=preferences_url(category=category, preference=preference),
        **extra,
    )
