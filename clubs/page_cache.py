"""What on member pages clubs' rows change: the club itself, its plans and leaders, memberships (core/pagecache.py)."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse

from clubs.models import Club
from clubs.permissions import ClubViewer
from core import pagecache

# The sections (core/pagecache.py) each member page shows; "club" is the club, its plans and leaders.
CLUB_HOME_SECTIONS = ("club", "members", "events", "feed", "offers", "automations")
EVENTS_SECTIONS = ("club", "events")
FEED_SECTIONS = ("club", "feed", "events")
OFFERS_SECTIONS = ("club", "offers")


def register() -> None:
    from clubs.models import Plan

    pagecache.watch(Club, section="club", club_id=lambda club: club.pk)
    pagecache.watch(Plan, section="club", club_id=lambda plan: plan.club_id)
    pagecache.watch_many_to_many(Club.leaders.through, section="club", club_id=lambda club: club.pk)
    pagecache.watch_club_rows(apps.get_app_config("clubs"), section="members")  # memberships, their history
    pagecache.watch_users(get_user_model())


def viewer_standing(viewer: ClubViewer) -> str:
    """Everything about the viewer's relation to the club that a page may show, as one string for the key."""
    membership = viewer.membership
    fields = (
        [str(getattr(membership, field.attname)) for field in membership._meta.concrete_fields] if membership else []
    )
    return "|".join([str(viewer.is_leader), str(viewer.has_member_access), *fields])


def member_page(
    request: HttpRequest, *, club: Club, viewer: ClubViewer, page: str, sections: tuple[str, ...], render
) -> HttpResponse:
    """``core.pagecache.member_page`` for a club page whose access check has passed (the viewer may enter)."""
    return pagecache.member_page(
        request, page=page, club_id=club.pk, sections=sections, standing=viewer_standing(viewer), render=render
    )
