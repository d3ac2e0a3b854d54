"""What every feed page shares: entering the club, finding an item, detail pages, images, deleting, forms.

Everything is member-only: people without access to the club's member area get 404, and another club's
objects are 404.
"""

from collections.abc import Callable

from django.contrib import messages
from django.db.models import Model
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from clubs.models import Club
from clubs.permissions import ClubViewer, club_viewer, refuse
from core.confirm import after_delete, confirm_delete_page, delete_confirmed
from core.redirects import next_path
from feed import selectors
from feed.exceptions import FeedError
from feed.forms import CommentForm
from members.images import image_response


def enter(request, slug: str) -> tuple[Club, ClubViewer]:
    """The club and the viewer's standing, or 404 for anyone who may not enter its member area."""
    club = request.club
    viewer = club_viewer(user=request.user, club=club)
    if not viewer.may_enter_member_area:
        refuse(request.user)
        raise Http404
    return club, viewer


def enter_as_leader(request, slug: str) -> tuple[Club, ClubViewer]:
    """Like ``enter``, for the leaders' own pages and actions: everyone else gets 404."""
    club, viewer = enter(request, slug)
    if not viewer.is_leader:
        refuse(request.user)
        raise Http404
    return club, viewer


def back(request, fallback: str):
    """Return to the page the form was on (only a path of this site), else to ``fallback``."""
    return redirect(next_path(request, fallback))


def feed_url(club: Club, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value})
    return reverse("feed:feed", args=[club.slug]) + (f"?{query}" if query else "")


# The kinds of post and comment the views act on: how to find one for the viewer (404 for anything they may not
# see, another club's included) and the page it is shown on.
ITEMS = {
    "achievement": (
        lambda request, club, viewer, pk: selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user),
        lambda achievement: achievement.get_absolute_url(),
    ),
    "comment": (
        lambda request, club, viewer, pk: selectors.comment_get(club=club, pk=pk, viewer=viewer),
        lambda comment: comment.achievement.get_absolute_url(),
    ),
    "announcement": (
        lambda request, club, viewer, pk: selectors.announcement_get(club=club, pk=pk, viewer=viewer),
        lambda announcement: announcement.get_absolute_url(),
    ),
    "announcement_comment": (
        lambda request, club, viewer, pk: selectors.announcement_comment_get(club=club, pk=pk, viewer=viewer),
        lambda comment: comment.announcement.get_absolute_url(),
    ),
}


def item_find(request, slug: str, pk: int, *, kind: str, leaders_only: bool = False):
    """``(club, viewer, item, the item's page)`` for one item of ``kind`` (a key of ``ITEMS``), or 404."""
    club, viewer = (enter_as_leader if leaders_only else enter)(request, slug)
    find, page_url = ITEMS[kind]
    item = find(request, club, viewer, pk)
    return club, viewer, item, page_url(item)


# What a post or an announcement is shown with: its template and its comments (for what the viewer may see).
DETAIL_PAGES = {
    "achievement": ("feed/achievement_detail.html", selectors.achievement_comments),
    "announcement": ("feed/announcement_detail.html", selectors.announcement_comments),
}


def detail_page(request, *, club, viewer, kind: str, item: Model, comment_form: CommentForm, status: int = 200):
    """A post or an announcement (``kind``) with its comments; ``comment_form`` as left when a comment was refused."""
    template, comments_of = DETAIL_PAGES[kind]
    context = {
        "club": club,
        "viewer": viewer,
        kind: item,
        "comments": comments_of(**{kind: item}, viewer=viewer, user=request.user),
        "comment_form": comment_form,
    }
    return render(request, template, context, status=status)


def private_image(request, slug: str, pk: int, *, kind: str, size: str, sizes: dict[str, str]):
    """A member-only photo of an item of ``kind`` in one of ``sizes`` (URL size -> field); 404 when there is none.

    Checked on every request, never from a public URL, never cached by shared caches.
    """
    if size not in sizes or not request.user.is_authenticated:
        raise Http404
    _club, _viewer, row, _url = item_find(request, slug, pk, kind=kind)
    image = getattr(row, sizes[size])
    if not image:
        raise Http404
    return image_response(image, download_name=f"{kind}-{row.pk}-{size}", private=True)


def delete_page(
    request,
    *,
    may_delete: Callable[[], bool],
    delete: Callable[[], None],
    question: str,
    subject: str,
    cancel_url: str,
    deleted: str,
    then: str,
):
    """Ask first (a page that works without JavaScript), delete once confirmed, then go back.

    Someone who may not delete never sees the question: 404, as when the service refuses.
    """
    if not delete_confirmed(request):
        if not may_delete():
            raise Http404
        return confirm_delete_page(request, question=question, subject=subject, cancel_url=cancel_url)
    try:
        delete()
    except FeedError:
        raise Http404 from None
    messages.success(request, deleted)
    return after_delete(request, next_path(request, then))


def form_save(request, form, save: Callable[..., Model]) -> Model | None:
    """A POSTed, valid ``form`` goes to ``save(**cleaned_data)``; the service's FeedError becomes the form's error.

    The feed's forms name their fields after the arguments of the service they feed (validation only, in
    ``feed/forms.py``), so a view passes the service with what the form does not hold already bound.
    Returns what was saved, or None when the form is shown again (not sent, not valid, or refused).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(**form.cleaned_data)
    except FeedError as error:
        form.add_error(None, str(error))
        return None


def act(request, action: Callable[[], object], *, done: str, fallback: str):
    """A leader's one-click action: ``done`` or the service's refusal as a message, then back where they were."""
    try:
        action()
    except FeedError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return back(request, fallback)
