"""events: one-off and recurring events, RSVPs and waitlists, check-in, calendar feeds and reminders.

It imports core, members and clubs; it adds its next events to club home and its RSVPs and check-ins to
member activity through clubs' hooks.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from events import activity, hooks, page_cache

        activity.register()  # its sources of member activity, read through clubs.activity
        hooks.register()  # its part of club home (clubs/hooks.py)
        page_cache.register()  # its rows that member pages show (core/pagecache.py)
