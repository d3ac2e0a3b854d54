"""The two gates of club pages, written once: the member area and the leaders' tools.

The access rule itself is ``club_viewer`` (``MembershipQuerySet.with_access``); these only decide what a
refused visitor sees: a log-in page, an invitation to join, or a 404 that does not tell the page exists.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from clubs.models import Club
from clubs.permissions import ClubViewer, club_viewer, refuse, user_leads_club

MEMBER_AREA_INVITATION = _("The member area of %(club)s is for members. Join to enter.")


def member_area_gate(
    request: HttpRequest, club: Club, *, invitation=MEMBER_AREA_INVITATION
) -> ClubViewer | HttpResponse:
    """The viewer's standing when they may enter; else where they belong: log in first, or join the club."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    viewer = club_viewer(user=request.user, club=club)
    if not viewer.may_enter_member_area:
        refuse(request.user)
        messages.info(request, invitation % {"club": club.local_name})
        return redirect(club.get_absolute_url())
    return viewer


def asks_club_viewer(view):
    """Mark a view whose first question is ``club_viewer``: ``request.club`` then reads the standing with the
    club in one query on GET (clubs/selectors.py ``club_for_request``)."""
    view.club_viewer_first = True
    return view


def member_area(view=None, *, invitation=MEMBER_AREA_INVITATION):
    """``@member_area`` or ``@member_area(invitation=...)``: the view receives (request, club, viewer, ...)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            club = request.club
            entry = member_area_gate(request, club, invitation=invitation)
            if isinstance(entry, HttpResponse):
                return entry
            return view(request, club, entry, *args, **kwargs)

        return asks_club_viewer(wrapper)

    return decorate(view) if view is not None else decorate


def leaders_only(view):
    """The club's leaders and staff; the view receives (request, club, ...). Anyone else gets 404."""

    @wraps(view)
    @login_required
    def wrapper(request, slug, *args, **kwargs):
        club = request.club
        if not user_leads_club(user=request.user, club=club):
            refuse(request.user)
            raise Http404
        return view(request, club, *args, **kwargs)

    return wrapper
