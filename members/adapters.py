"""The one place where allauth is customised (see allauth's adapter docs)."""

import zoneinfo

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils import timezone, translation


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request: HttpRequest, user) -> None:
        """There is no username field; email is the login."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails in the recipient's saved language and time zone.

        A recipient without a saved language (a new sign-up, an unknown address) gets the language of the
        page that triggered the email, which is the one they were reading.
        """
        user = context.get("user")
        language = getattr(user, "preferred_language", "") or translation.get_language()
        try:
            zone = zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        with translation.override(language), timezone.override(zone):
            super().send_mail(template_prefix, email, context)
