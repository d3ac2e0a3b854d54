"""clubs: clubs, plans, memberships and the one access rule; club pages, the directory and the roster.

It imports core and members. Apps above it fill its slots (club home sections, member activity) through
``clubs/hooks.py`` and ``clubs/activity.py``; clubs never imports them.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubsConfig(AppConfig):
    name = "clubs"
    verbose_name = _("Clubs")

    def ready(self) -> None:
        from clubs import page_cache
        from clubs.selectors import club_for_request
        from clubs.signup import signup_club_time_zone
        from core.request_club import register_club_resolver
        from members.hooks import register_signup_club_time_zone

        register_club_resolver(club_for_request)
        register_signup_club_time_zone(signup_club_time_zone)  # a new account joining a club takes its zone
        page_cache.register()  # its rows that member pages show (core/pagecache.py)
