"""Slots on club pages that apps above clubs fill, registered in their ``AppConfig.ready()``.

Club home shows the next events (events), the week in the feed (feed) and current offers (offers). Each
of those apps registers a section that returns its part of the page's context; clubs calls them and
never imports those apps. A section not registered (its app not installed) leaves its part out.
"""

from collections.abc import Callable

from clubs.models import Club
from clubs.permissions import ClubViewer

ClubHomeSection = Callable[..., dict]

_club_home_sections: list[ClubHomeSection] = []


def register_club_home_section(section: ClubHomeSection) -> ClubHomeSection:
    """``section(club=, viewer=) -> dict``: context for club home's template, read once per page view."""
    if section not in _club_home_sections:
        _club_home_sections.append(section)
    return section


def club_home_context(*, club: Club, viewer: ClubViewer) -> dict:
    context: dict = {}
    for section in _club_home_sections:
        context.update(section(club=club, viewer=viewer))
    return context
