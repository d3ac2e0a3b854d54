"""members: people (the custom user), sign-up and log-in through allauth, profiles, language and time zone.

It imports only core. Email suppressions (bounces, complaints) live here, next to the address they stop.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        # Bounce and complaint webhooks of the email provider (django-anymail) suppress the address.
        from members import signals  # noqa: F401
