"""The feed itself, members' pages, and achievements: share, read, edit, delete, cheer, highlight, photos.

On the feed page people without access get the same invitation to join as club home (``member_area``).
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clubs import page_cache
from clubs.decorators import member_area
from core.ratelimit import rate_limit, retry_message
from feed import selectors, services
from feed.forms import AchievementEditForm, AchievementForm, CommentForm
from feed.models import AchievementTag
from feed.views.common import (
    act,
    back,
    delete_page,
    detail_page,
    enter,
    enter_as_leader,
    feed_url,
    form_save,
    private_image,
)

FEED_PAGE_SIZE = 20
PHOTO_SIZES = {"feed": "photo_feed", "full": "photo"}


def _render_page(request, *, template: str, context: dict, next_url_of, **filters):
    """A page of achievements (``filters``: tag or author); htmx's infinite scroll gets only the partial.

    A request for a later page carries ``before`` (the cursor). An old ``?page=N`` link is ignored: the
    first page, and for htmx still only the partial, never a whole layout nested inside the feed.
    """
    page = selectors.achievement_feed_page(
        club=context["club"],
        viewer=context["viewer"],
        user=request.user,
        page_size=FEED_PAGE_SIZE,
        before=request.GET.get("before", ""),
        **filters,
    )
    next_url = next_url_of(page.next_cursor) if page.next_cursor else ""
    context = {**context, "achievements": page.achievements, "continued": page.continued, "next_url": next_url}
    if request.htmx and ("before" in request.GET or "page" in request.GET):
        template = "feed/_achievement_page.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@member_area  # like club home: strangers are asked to log in, non-members are sent to the club's page to join
def feed(request, club, viewer):
    tag = request.GET.get("tag", "")
    tag = tag if tag in AchievementTag.values else ""

    def render_page():
        context = {
            "club": club,
            "viewer": viewer,
            "tag": tag,
            "tags": AchievementTag.choices,
            "form": AchievementForm(club=club, user=request.user),
            "open_report_count": selectors.open_report_count(club=club) if viewer.is_leader else 0,
        }
        return _render_page(
            request,
            template="feed/feed.html",
            context=context,
            next_url_of=lambda cursor: feed_url(club, tag=tag, before=cursor),
            tag=tag,
        )

    # Kept per viewer until the club's posts, cheers or comments change (clubs/page_cache.py, core/pagecache.py).
    return page_cache.member_page(
        request, club=club, viewer=viewer, page="feed", sections=page_cache.FEED_SECTIONS, render=render_page
    )


@member_area
def member_profile(request, club, viewer, user_id):
    person = selectors.club_member_get(club=club, user_id=user_id)
    context = {
        "club": club,
        "viewer": viewer,
        "person": person,
        "streak": selectors.member_streak(club=club, member=person),
    }
    profile_url = reverse("feed:member-profile", args=[club.slug, person.pk])
    return _render_page(
        request,
        template="feed/member_profile.html",
        context=context,
        next_url_of=lambda cursor: f"{profile_url}?{urlencode({'before': cursor})}",
        author=person,
    )


def _achievement_create_limited(request, slug, *, retry_after: int):
    """Over the limit: the form again with what the member typed, and when to try again (no photo: not kept)."""
    club, _viewer = enter(request, slug)
    form = AchievementForm(request.POST, club=club, user=request.user)
    form.add_error(None, retry_message(retry_after))
    return render(request, "feed/achievement_form.html", {"club": club, "form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="achievement", rate="10/m,100/d", on_limit=_achievement_create_limited)
def achievement_create(request, slug):
    club, _viewer = enter(request, slug)
    form = AchievementForm(request.POST or None, request.FILES or None, club=club, user=request.user)
    achievement = form_save(request, form, partial(services.achievement_create, club=club, author=request.user))
    if achievement is not None:
        messages.success(request, _("Shared with the club."))
        return redirect(feed_url(club) + f"#achievement-{achievement.pk}")
    return render(request, "feed/achievement_form.html", {"club": club, "form": form, "creating": True})


@login_required
def achievement_detail(request, slug, pk):
    club, viewer = enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    return detail_page(
        request, club=club, viewer=viewer, kind="achievement", item=achievement, comment_form=CommentForm()
    )


@login_required
@require_http_methods(["GET", "POST"])
def achievement_edit(request, slug, pk):
    club, viewer = enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    if achievement.author_id != request.user.pk:
        raise Http404
    form = AchievementEditForm(
        request.POST or None,
        club=club,
        user=request.user,
        initial={"text": achievement.text, "tag": achievement.tag, "event": achievement.event_id},
    )
    saved = form_save(request, form, partial(services.achievement_update, achievement=achievement, editor=request.user))
    if saved is not None:
        messages.success(request, _("Your post was updated."))
        return redirect(achievement.get_absolute_url())
    context = {"club": club, "form": form, "achievement": achievement, "creating": False}
    return render(request, "feed/achievement_form.html", context)


@login_required
@require_POST
def achievement_delete(request, slug, pk):
    club, viewer = enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    return delete_page(
        request,
        may_delete=lambda: services.achievement_may_delete(achievement=achievement, actor=request.user),
        delete=lambda: services.achievement_delete(achievement=achievement, actor=request.user),
        question=_("Delete this post?"),
        subject=achievement.text,
        cancel_url=achievement.get_absolute_url(),
        deleted=_("The post was deleted."),
        then=feed_url(club),
    )


@login_required
@require_POST
@rate_limit(action="cheer", rate="60/m")
def achievement_cheer(request, slug, pk):
    """Set the viewer's cheer; htmx swaps in the new button, without JavaScript the page reloads."""
    club, viewer = enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    services.cheer_set(achievement=achievement, user=request.user, cheered=request.POST.get("cheered") == "1")
    if request.htmx:
        achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
        # The swapped-in button keeps pointing back at the page it sits on, not at this endpoint.
        context = {"club": club, "achievement": achievement, "back_path": request.htmx.current_url_abs_path or ""}
        return render(request, "feed/_cheer_button.html", context)
    return back(request, feed_url(club) + f"#achievement-{achievement.pk}")


@login_required
@require_POST
def achievement_highlight(request, slug, pk):
    club, viewer = enter_as_leader(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    return act(
        request,
        lambda: services.highlight_choose(achievement=achievement, leader=request.user),
        done=_("This is now the highlight of the week on club home."),
        fallback=achievement.get_absolute_url(),
    )


def achievement_photo(request, slug, pk, size):
    """Member-only photos: checked on every request, never from a public URL, never cached by shared caches."""
    return private_image(request, slug, pk, kind="achievement", size=size, sizes=PHOTO_SIZES)
