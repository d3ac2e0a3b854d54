"""What events adds to the pages of the apps below it (registered in ``EventsConfig.ready()``)."""

from clubs.hooks import register_club_home_section
from events.selectors import occurrences_next_for_club_home


def register() -> None:
    register_club_home_section(_club_home_next_events)


def _club_home_next_events(*, club, viewer) -> dict:
    return {"next_events": occurrences_next_for_club_home(club=club)}
