"""The one place where allauth is customised (see allauth's adapter docs)."""

import zoneinfo

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils import timezone, translation

from core.emails import TRANSACTIONAL, Recipient, headers_apply, layout_apply, site_branding
from members.time_zones import signup_time_zone


def user_display(user) -> str:
    """ACCOUNT_USER_DISPLAY: the display name people chose (else the start of their address), never a username."""
    return getattr(user, "public_name", "") or getattr(user, "email", "")


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request: HttpRequest, user) -> None:
        """There is no username field; email is the login."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        """A new account starts in the browser's time zone, else the joined club's, else the site's.

        Set before allauth's save, so the account is written once with its zone (members/time_zones.py).
        """
        user.time_zone = signup_time_zone(request=request, browser_zone=form.cleaned_data.get("time_zone") or "")
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails in the recipient's saved language and time zone.

        A recipient without a saved language (a new sign-up, an unknown address) gets the language of the
        page that triggered the email, which is the one they were reading. The greeting uses the display name
        (templates/account/email/base_message.txt) and the site's name and domain come from the Site row that
        follows SITE_NAME and SITE_URL (members/sites.py), not allauth's "example.com".
        """
        user = context.get("user")
        language = getattr(user, "preferred_language", "") or translation.get_language()
        try:
            zone = zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        with translation.override(language), timezone.override(zone):
            super().send_mail(template_prefix, email, context)

    def render_mail(self, template_prefix: str, email: str, context: dict, headers: dict | None = None):
        """allauth's message with the one pipeline's headers (core/emails.py): the site's From name, a
        Message-ID on the sending domain, Auto-Submitted. Account emails are transactional: no unsubscribe
        link and no suppression (a bounced address must still be able to reset its password)."""
        message = super().render_mail(template_prefix, email, context, headers=headers)
        recipient = Recipient(email=email, language=translation.get_language() or "")
        branding = site_branding()
        layout_apply(message, recipient=recipient, branding=branding, category=TRANSACTIONAL)
        return headers_apply(message, recipient=recipient, branding=branding, category=TRANSACTIONAL)
