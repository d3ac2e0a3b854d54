"""Slots on club pages that apps above clubs fill, registered in their ``AppConfig.ready()``.

Club home shows the next events (events), the week in the feed (feed) and current offers (offers). Each
of those apps registers a section that returns its part of the page's context; clubs calls them and
never imports those apps. A section not registered (its app not installed) leaves its part out.
"""

from collections.abc import Callable

from clubs.models import Club, Membership
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


# --- Complimentary access and payment: billing tells clubs whether the member still pays ------------------

PaidAccessDescribe = Callable[..., str]
PaidAccessStop = Callable[..., None]

_paid_access: list[tuple[PaidAccessDescribe, PaidAccessStop]] = []


def register_paid_access(*, describe: PaidAccessDescribe, stop: PaidAccessStop) -> None:
    """billing registers ``describe(membership=) -> str`` (what still charges the member, '' for nothing) and
    ``stop(membership=)`` (stop charging at the end of the period paid for; raises a DomainError if it cannot)."""
    if (describe, stop) not in _paid_access:
        _paid_access.append((describe, stop))


def paid_access_describe(*, membership: Membership) -> str:
    """What still charges this member ('' when nothing does, or no payment app is installed)."""
    return "; ".join(filter(None, (describe(membership=membership) for describe, _stop in _paid_access)))


def paid_access_stop(*, membership: Membership) -> None:
    for _describe, stop in _paid_access:
        stop(membership=membership)
