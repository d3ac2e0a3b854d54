"""``request.club``: the club a page's URL names, resolved once per request before the view runs.

Every club page's URL carries the club's slug (``clubs/<slug:slug>/...``). ``RequestClubMiddleware`` turns
it into ``request.club`` (a 404 for an unknown slug) through the one resolver the clubs app registers,
which also lets the club choose the language of a visitor who expressed none. Views, gates and templates
read ``request.club``; none looks the club up again. Pages without a club slug have ``request.club = None``.
"""

from collections.abc import Callable

from django.http import HttpRequest

CLUB_URL_KWARG = "slug"

_resolvers: list[Callable[..., object]] = []


def register_club_resolver(resolver: Callable[..., object]) -> None:
    """``resolver(request=, slug=)`` returns the club or raises Http404 (the clubs app registers it)."""
    _resolvers[:] = [resolver]


class RequestClubMiddleware:
    """Sets ``request.club`` in ``process_view``; put it after the language and authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.club = None
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        slug = view_kwargs.get(CLUB_URL_KWARG)
        # A view that asks the viewer's standing first (clubs' member area) lets the resolver read both at once.
        request.club_viewer_first = getattr(view_func, "club_viewer_first", False)
        if slug is not None and _resolvers:
            request.club = _resolvers[0](request=request, slug=slug)
        return None
