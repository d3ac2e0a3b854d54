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
        # The Site row (allauth's site name and domain in emails) follows SITE_NAME and SITE_URL after migrate.
        from django.db.models.signals import post_migrate

        # Every non-transactional email the pipeline builds asks members whether the address is suppressed;
        # a fan-out asks the bulk form once per chunk.
        from core.emails import suppression_check_register
        from members import signals  # noqa: F401
        from members.services import email_is_suppressed, emails_suppressed
        from members.sites import site_sync

        suppression_check_register(email_is_suppressed, bulk=emails_suppressed)

        post_migrate.connect(site_sync, dispatch_uid="members.site_sync")
