"""feed: members' achievements with photos, cheers, comments, reports, moderation and the weekly highlight.

It imports core, members, clubs and events (an achievement may name an event); it adds its posts to club
home and to member activity through clubs' hooks.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "feed"
    verbose_name = _("Feed")

    def ready(self) -> None:
        from feed import activity, hooks, page_cache

        activity.register()  # its sources of member activity, read through clubs.activity
        hooks.register()  # its part of club home (clubs/hooks.py)
        page_cache.register()  # its rows that member pages show (core/pagecache.py)
