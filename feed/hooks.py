"""What the feed adds to the pages of the apps below it (registered in ``FeedConfig.ready()``)."""

from clubs.hooks import register_club_home_section
from feed.selectors import club_home_announcements, club_home_feed


def register() -> None:
    register_club_home_section(_club_home_announcements)
    register_club_home_section(_club_home_feed)


def _club_home_announcements(*, club, viewer) -> dict:
    return {"pinned_announcements": club_home_announcements(club=club)}


def _club_home_feed(*, club, viewer) -> dict:
    return {"feed_summary": club_home_feed(club=club, viewer=viewer)}
