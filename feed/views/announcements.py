"""Announcements: every member reads them; the club's leaders post, edit, pin, email and delete them.

Their comments are in ``feed.views.comments``, their reports and moderation in ``feed.views.moderation``.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clubs.decorators import member_area
from clubs.models import Club
from core.ratelimit import rate_limit, retry_message
from feed import selectors, services
from feed.forms import AnnouncementEditForm, AnnouncementForm, CommentForm
from feed.views.common import act, back, delete_page, detail_page, enter, enter_as_leader, form_save, private_image

ANNOUNCEMENT_PAGE_SIZE = 10
ANNOUNCEMENT_IMAGE_SIZES = {"small": "image_small", "full": "image"}


def _announcements_url(club: Club) -> str:
    return reverse("feed:announcement-list", args=[club.slug])


@member_area
def announcement_list(request, club, viewer):
    page = selectors.announcement_page(
        club=club, viewer=viewer, page=request.GET.get("page"), page_size=ANNOUNCEMENT_PAGE_SIZE
    )
    context = {"club": club, "viewer": viewer, "page": page, "announcements": page.object_list}
    return render(request, "feed/announcement_list.html", context)


def _announcement_form_page(request, *, club, form, announcement=None, status: int = 200):
    context = {"club": club, "form": form, "announcement": announcement, "creating": announcement is None}
    return render(request, "feed/announcement_form.html", context, status=status)


def _announcement_create_limited(request, slug, *, retry_after: int):
    club, _viewer = enter_as_leader(request, slug)
    emails_left, _frees_at = services.announcement_emails_left(club=club)
    form = AnnouncementForm(request.POST, emails_left=emails_left)
    form.add_error(None, retry_message(retry_after))
    return _announcement_form_page(request, club=club, form=form, status=429)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="announcement", rate="10/m,50/d", on_limit=_announcement_create_limited)
def announcement_create(request, slug):
    club, _viewer = enter_as_leader(request, slug)
    emails_left, _frees_at = services.announcement_emails_left(club=club)
    form = AnnouncementForm(request.POST or None, request.FILES or None, emails_left=emails_left)
    announcement = form_save(request, form, partial(services.announcement_create, club=club, author=request.user))
    if announcement is not None:
        if form.cleaned_data["send_email"]:
            messages.success(request, _("Posted. The members who want club news are getting it by email."))
        else:
            messages.success(request, _("Posted to the club."))
        return redirect(announcement.get_absolute_url())
    return _announcement_form_page(request, club=club, form=form)


@login_required
def announcement_detail(request, slug, pk):
    club, viewer = enter(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    return detail_page(
        request, club=club, viewer=viewer, kind="announcement", item=announcement, comment_form=CommentForm()
    )


@login_required
@require_http_methods(["GET", "POST"])
def announcement_edit(request, slug, pk):
    club, viewer = enter_as_leader(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    initial = {
        "title": announcement.title,
        "text": announcement.text,
        "comments_enabled": announcement.comments_enabled,
    }
    form = AnnouncementEditForm(request.POST or None, request.FILES or None, initial=initial)
    saved = form_save(
        request, form, partial(services.announcement_update, announcement=announcement, editor=request.user)
    )
    if saved is not None:
        messages.success(request, _("The announcement was updated."))
        return redirect(announcement.get_absolute_url())
    return _announcement_form_page(request, club=club, form=form, announcement=announcement)


@login_required
@require_POST
def announcement_delete(request, slug, pk):
    club, viewer = enter_as_leader(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    return delete_page(
        request,
        may_delete=lambda: True,  # a leader's page: enter_as_leader let only leaders this far
        delete=lambda: services.announcement_delete(announcement=announcement, actor=request.user),
        question=_("Delete this announcement?"),
        subject=announcement.title,
        cancel_url=announcement.get_absolute_url(),
        deleted=_("The announcement was deleted."),
        then=_announcements_url(club),
    )


@login_required
@require_POST
def announcement_pin(request, slug, pk):
    """Pin (``pinned=1``) or unpin (anything else): set, not flipped, so a repeated click changes nothing more."""
    club, viewer = enter_as_leader(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    pinned = request.POST.get("pinned") == "1"
    services.announcement_set_pinned(announcement=announcement, leader=request.user, pinned=pinned)
    messages.success(request, _("Pinned on club home.") if pinned else _("No longer pinned on club home."))
    return back(request, announcement.get_absolute_url())


@login_required
@require_POST
def announcement_email(request, slug, pk):
    club, viewer = enter_as_leader(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    return act(
        request,
        lambda: services.announcement_email(announcement=announcement, actor=request.user),
        done=_("The members who want club news are getting it by email."),
        fallback=announcement.get_absolute_url(),
    )


def announcement_image(request, slug, pk, size):
    """Member-only images, checked on every request like feed photos."""
    return private_image(request, slug, pk, kind="announcement", size=size, sizes=ANNOUNCEMENT_IMAGE_SIZES)
