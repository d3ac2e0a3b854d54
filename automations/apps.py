"""automations: the return-path emails (welcome, reminders, nudges, win-back, birthdays), referrals, save offers.

It imports core, members, clubs, events, feed, billing and offers; it joins billing's checkout and cancel
journeys (billing/hooks.py), the offer-email cap (offers/cap.py) and billing's Stripe events.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "automations"
    verbose_name = _("Automations")

    def ready(self) -> None:
        from automations import hooks, page_cache, signals  # noqa: F401 (signals: the welcome when a membership starts)

        hooks.register()
        page_cache.register()  # its rows that club home shows (core/pagecache.py)
