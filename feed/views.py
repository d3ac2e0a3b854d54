"""Feed pages. Thin: read with selectors, write with services, turn FeedError into messages.

Everything is member-only: people without access to the club's member area get 404 (or, on the feed
page itself, the same invitation to join as club home), and another club's objects are 404.
"""

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
from clubs.models import Club
from clubs.permissions import ClubViewer, club_viewer, refuse
from core.confirm import after_delete, confirm_delete_page, delete_confirmed
from core.ratelimit import rate_limit, retry_message
from core.redirects import next_path
from feed import selectors, services
from feed.exceptions import FeedError
from feed.forms import (
    AchievementEditForm,
    AchievementForm,
    AnnouncementEditForm,
    AnnouncementForm,
    CommentForm,
    ReportForm,
)
from feed.models import AchievementTag
from members.images import image_response

FEED_PAGE_SIZE = 20
PHOTO_SIZES = {"feed": "photo_feed", "full": "photo"}


def _enter(request, slug: str) -> tuple[Club, ClubViewer]:
    """The club and the viewer's standing, or 404 for anyone who may not enter its member area."""
    club = request.club
    viewer = club_viewer(user=request.user, club=club)
    if not viewer.may_enter_member_area:
        refuse(request.user)
        raise Http404
    return club, viewer


def _back(request, fallback: str):
    """Return to the page the form was on (only a path of this site), else to ``fallback``."""
    return redirect(next_path(request, fallback))


def _feed_url(club: Club, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value})
    return reverse("feed:feed", args=[club.slug]) + (f"?{query}" if query else "")


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
            next_url_of=lambda cursor: _feed_url(club, tag=tag, before=cursor),
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
    club, _viewer = _enter(request, slug)
    form = AchievementForm(request.POST, club=club, user=request.user)
    form.add_error(None, retry_message(retry_after))
    return render(request, "feed/achievement_form.html", {"club": club, "form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="achievement", rate="10/m,100/d", on_limit=_achievement_create_limited)
def achievement_create(request, slug):
    club, _viewer = _enter(request, slug)
    form = AchievementForm(request.POST or None, request.FILES or None, club=club, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            achievement = services.achievement_create(
                club=club,
                author=request.user,
                text=form.cleaned_data["text"],
                tag=form.cleaned_data["tag"],
                photo=form.cleaned_data["photo"],
                event=form.cleaned_data["event"],
            )
        except FeedError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Shared with the club."))
            return redirect(_feed_url(club) + f"#achievement-{achievement.pk}")
    return render(request, "feed/achievement_form.html", {"club": club, "form": form, "creating": True})


@login_required
def achievement_detail(request, slug, pk):
    club, viewer = _enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    return _detail_page(request, club=club, viewer=viewer, achievement=achievement, comment_form=CommentForm())


def _detail_page(request, *, club, viewer, achievement, comment_form: CommentForm, status: int = 200):
    context = {
        "club": club,
        "viewer": viewer,
        "achievement": achievement,
        "comments": selectors.achievement_comments(achievement=achievement, viewer=viewer, user=request.user),
        "comment_form": comment_form,
    }
    return render(request, "feed/achievement_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def achievement_edit(request, slug, pk):
    club, viewer = _enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    if achievement.author_id != request.user.pk:
        raise Http404
    form = AchievementEditForm(
        request.POST or None,
        club=club,
        user=request.user,
        initial={"text": achievement.text, "tag": achievement.tag, "event": achievement.event_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.achievement_update(
                achievement=achievement,
                editor=request.user,
                text=form.cleaned_data["text"],
                tag=form.cleaned_data["tag"],
                event=form.cleaned_data["event"],
            )
        except FeedError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your post was updated."))
            return redirect(achievement.get_absolute_url())
    context = {"club": club, "form": form, "achievement": achievement, "creating": False}
    return render(request, "feed/achievement_form.html", context)


@login_required
@require_POST
def achievement_delete(request, slug, pk):
    club, viewer = _enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    if not delete_confirmed(request):
        if not services.achievement_may_delete(achievement=achievement, actor=request.user):
            raise Http404
        return confirm_delete_page(
            request,
            question=_("Delete this post?"),
            subject=achievement.text,
            cancel_url=achievement.get_absolute_url(),
        )
    try:
        services.achievement_delete(achievement=achievement, actor=request.user)
    except FeedError:
        raise Http404 from None
    messages.success(request, _("The post was deleted."))
    return after_delete(request, next_path(request, _feed_url(club)))


@login_required
@require_POST
@rate_limit(action="cheer", rate="60/m")
def achievement_cheer(request, slug, pk):
    """Set the viewer's cheer; htmx swaps in the new button, without JavaScript the page reloads."""
    club, viewer = _enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    services.cheer_set(achievement=achievement, user=request.user, cheered=request.POST.get("cheered") == "1")
    if request.htmx:
        achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
        # The swapped-in button keeps pointing back at the page it sits on, not at this endpoint.
        context = {"club": club, "achievement": achievement, "back_path": request.htmx.current_url_abs_path or ""}
        return render(request, "feed/_cheer_button.html", context)
    return _back(request, _feed_url(club) + f"#achievement-{achievement.pk}")


def _comment_refused(request, slug, pk, *, form: CommentForm, status: int = 200):
    """The post's page again with the comment form as the member filled it and why it was refused."""
    club, viewer = _enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    return _detail_page(request, club=club, viewer=viewer, achievement=achievement, comment_form=form, status=status)


def _comment_create_limited(request, slug, pk, *, retry_after: int):
    form = CommentForm(request.POST)
    form.add_error(None, retry_message(retry_after))
    return _comment_refused(request, slug, pk, form=form, status=429)


@login_required
@require_POST
@rate_limit(action="comment", rate="20/m,300/d", on_limit=_comment_create_limited)
def comment_create(request, slug, pk):
    club, viewer = _enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(
                achievement=achievement, author=request.user, text=form.cleaned_data["text"]
            )
        except FeedError as error:
            form.add_error(None, str(error))
        else:
            return redirect(achievement.get_absolute_url() + f"#comment-{comment.pk}")
    # A refused comment keeps what was typed: the page again, not a redirect to an empty form.
    return _detail_page(request, club=club, viewer=viewer, achievement=achievement, comment_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request, slug, pk):
    club, viewer = _enter(request, slug)
    comment = selectors.comment_get(club=club, pk=pk, viewer=viewer)
    if comment.author_id != request.user.pk:
        raise Http404
    form = CommentForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(comment=comment, editor=request.user, text=form.cleaned_data["text"])
        except FeedError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your comment was updated."))
            return redirect(comment.achievement.get_absolute_url() + f"#comment-{comment.pk}")
    return render(request, "feed/comment_form.html", {"club": club, "form": form, "comment": comment})


@login_required
@require_POST
def comment_delete(request, slug, pk):
    club, viewer = _enter(request, slug)
    comment = selectors.comment_get(club=club, pk=pk, viewer=viewer)
    if not delete_confirmed(request):
        if not services.comment_may_delete(comment=comment, actor=request.user):
            raise Http404
        return confirm_delete_page(
            request,
            question=_("Delete this comment?"),
            subject=comment.text,
            cancel_url=comment.achievement.get_absolute_url(),
        )
    try:
        services.comment_delete(comment=comment, actor=request.user)
    except FeedError:
        raise Http404 from None
    messages.success(request, _("The comment was deleted."))
    return after_delete(request, next_path(request, comment.achievement.get_absolute_url()))


def _report(request, club, *, achievement=None, comment=None, announcement_comment=None, back_url: str):
    item = achievement or comment or announcement_comment
    if item.author_id == request.user.pk:  # one's own post: no report form at all (the service refuses it too)
        messages.info(request, _("You cannot report your own post or comment; edit or delete it instead."))
        return redirect(back_url)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(
                reporter=request.user,
                achievement=achievement,
                comment=comment,
                announcement_comment=announcement_comment,
                reason=form.cleaned_data["reason"],
            )
        except FeedError as error:
            messages.info(request, str(error))
        else:
            messages.success(request, _("Thank you. The club's leaders will look at it."))
        return redirect(back_url)
    context = {
        "club": club,
        "form": form,
        "achievement": achievement,
        "comment": comment or announcement_comment,
        "back_url": back_url,
    }
    return render(request, "feed/report_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="report", rate="10/m,50/d")
def achievement_report(request, slug, pk):
    club, viewer = _enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    return _report(request, club, achievement=achievement, back_url=achievement.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="report", rate="10/m,50/d")
def comment_report(request, slug, pk):
    club, viewer = _enter(request, slug)
    comment = selectors.comment_get(club=club, pk=pk, viewer=viewer)
    return _report(request, club, comment=comment, back_url=comment.achievement.get_absolute_url())


def _enter_as_leader(request, slug: str) -> tuple[Club, ClubViewer]:
    club, viewer = _enter(request, slug)
    if not viewer.is_leader:
        refuse(request.user)
        raise Http404
    return club, viewer


@login_required
def report_list(request, slug):
    club, viewer = _enter_as_leader(request, slug)
    context = {"club": club, "viewer": viewer, "reports": selectors.open_reports(club=club)}
    return render(request, "feed/report_list.html", context)


def _moderate(request, item, *, fallback: str):
    action = request.POST.get("action")
    if action not in ("hide", "restore"):
        messages.error(request, _("Choose hide or restore."))
        return _back(request, fallback)
    services.item_set_hidden(item=item, moderator=request.user, hidden=action == "hide")
    messages.success(request, _("Hidden from members.") if action == "hide" else _("Visible to members again."))
    return _back(request, fallback)


@login_required
@require_POST
def achievement_moderate(request, slug, pk):
    club, viewer = _enter_as_leader(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    return _moderate(request, achievement, fallback=achievement.get_absolute_url())


@login_required
@require_POST
def comment_moderate(request, slug, pk):
    club, viewer = _enter_as_leader(request, slug)
    comment = selectors.comment_get(club=club, pk=pk, viewer=viewer)
    return _moderate(request, comment, fallback=comment.achievement.get_absolute_url())


@login_required
@require_POST
def achievement_highlight(request, slug, pk):
    club, viewer = _enter_as_leader(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    try:
        services.highlight_choose(achievement=achievement, leader=request.user)
    except FeedError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("This is now the highlight of the week on club home."))
    return _back(request, achievement.get_absolute_url())


def achievement_photo(request, slug, pk, size):
    """Member-only photos: checked on every request, never from a public URL, never cached by shared caches."""
    if size not in PHOTO_SIZES or not request.user.is_authenticated:
        raise Http404
    club, viewer = _enter(request, slug)
    achievement = selectors.achievement_get(club=club, pk=pk, viewer=viewer, user=request.user)
    photo = getattr(achievement, PHOTO_SIZES[size])
    if not photo:
        raise Http404
    return image_response(photo, download_name=f"achievement-{achievement.pk}-{size}", private=True)


# --- Announcements --------------------------------------------------------------------------

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
    club, _viewer = _enter_as_leader(request, slug)
    emails_left, _frees_at = services.announcement_emails_left(club=club)
    form = AnnouncementForm(request.POST, emails_left=emails_left)
    form.add_error(None, retry_message(retry_after))
    return _announcement_form_page(request, club=club, form=form, status=429)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="announcement", rate="10/m,50/d", on_limit=_announcement_create_limited)
def announcement_create(request, slug):
    club, _viewer = _enter_as_leader(request, slug)
    emails_left, _frees_at = services.announcement_emails_left(club=club)
    form = AnnouncementForm(request.POST or None, request.FILES or None, emails_left=emails_left)
    if request.method == "POST" and form.is_valid():
        try:
            announcement = services.announcement_create(
                club=club,
                author=request.user,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                image=form.cleaned_data["image"],
                pinned=form.cleaned_data["pinned"],
                comments_enabled=form.cleaned_data["comments_enabled"],
                send_email=form.cleaned_data["send_email"],
            )
        except FeedError as error:
            form.add_error(None, str(error))
        else:
            if form.cleaned_data["send_email"]:
                messages.success(request, _("Posted. The members who want club news are getting it by email."))
            else:
                messages.success(request, _("Posted to the club."))
            return redirect(announcement.get_absolute_url())
    return _announcement_form_page(request, club=club, form=form)


def _announcement_detail_page(request, *, club, viewer, announcement, comment_form: CommentForm, status: int = 200):
    context = {
        "club": club,
        "viewer": viewer,
        "announcement": announcement,
        "comments": selectors.announcement_comments(announcement=announcement, viewer=viewer, user=request.user),
        "comment_form": comment_form,
    }
    return render(request, "feed/announcement_detail.html", context, status=status)


@login_required
def announcement_detail(request, slug, pk):
    club, viewer = _enter(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    return _announcement_detail_page(
        request, club=club, viewer=viewer, announcement=announcement, comment_form=CommentForm()
    )


@login_required
@require_http_methods(["GET", "POST"])
def announcement_edit(request, slug, pk):
    club, viewer = _enter_as_leader(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    initial = {
        "title": announcement.title,
        "text": announcement.text,
        "comments_enabled": announcement.comments_enabled,
    }
    form = AnnouncementEditForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.announcement_update(
                announcement=announcement,
                editor=request.user,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                comments_enabled=form.cleaned_data["comments_enabled"],
                image=form.cleaned_data["image"],
                remove_image=form.cleaned_data["remove_image"],
            )
        except FeedError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The announcement was updated."))
            return redirect(announcement.get_absolute_url())
    return _announcement_form_page(request, club=club, form=form, announcement=announcement)


@login_required
@require_POST
def announcement_delete(request, slug, pk):
    club, viewer = _enter_as_leader(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    if not delete_confirmed(request):
        return confirm_delete_page(
            request,
            question=_("Delete this announcement?"),
            subject=announcement.title,
            cancel_url=announcement.get_absolute_url(),
        )
    services.announcement_delete(announcement=announcement, actor=request.user)
    messages.success(request, _("The announcement was deleted."))
    return after_delete(request, next_path(request, _announcements_url(club)))


@login_required
@require_POST
def announcement_pin(request, slug, pk):
    """Pin (``pinned=1``) or unpin (anything else): set, not flipped, so a repeated click changes nothing more."""
    club, viewer = _enter_as_leader(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    pinned = request.POST.get("pinned") == "1"
    services.announcement_set_pinned(announcement=announcement, leader=request.user, pinned=pinned)
    messages.success(request, _("Pinned on club home.") if pinned else _("No longer pinned on club home."))
    return _back(request, announcement.get_absolute_url())


@login_required
@require_POST
def announcement_email(request, slug, pk):
    club, viewer = _enter_as_leader(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    try:
        services.announcement_email(announcement=announcement, actor=request.user)
    except FeedError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The members who want club news are getting it by email."))
    return _back(request, announcement.get_absolute_url())


def announcement_image(request, slug, pk, size):
    """Member-only images, checked on every request like feed photos."""
    if size not in ANNOUNCEMENT_IMAGE_SIZES or not request.user.is_authenticated:
        raise Http404
    club, viewer = _enter(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    image = getattr(announcement, ANNOUNCEMENT_IMAGE_SIZES[size])
    if not image:
        raise Http404
    return image_response(image, download_name=f"announcement-{announcement.pk}-{size}", private=True)


def _announcement_comment_create_limited(request, slug, pk, *, retry_after: int):
    club, viewer = _enter(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    form = CommentForm(request.POST)
    form.add_error(None, retry_message(retry_after))
    return _announcement_detail_page(
        request, club=club, viewer=viewer, announcement=announcement, comment_form=form, status=429
    )


@login_required
@require_POST
@rate_limit(action="comment", rate="20/m,300/d", on_limit=_announcement_comment_create_limited)
def announcement_comment_create(request, slug, pk):
    club, viewer = _enter(request, slug)
    announcement = selectors.announcement_get(club=club, pk=pk, viewer=viewer)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.announcement_comment_create(
                announcement=announcement, author=request.user, text=form.cleaned_data["text"]
            )
        except FeedError as error:
            form.add_error(None, str(error))
        else:
            return redirect(announcement.get_absolute_url() + f"#comment-{comment.pk}")
    # A refused comment keeps what was typed: the page again, not a redirect to an empty form.
    return _announcement_detail_page(request, club=club, viewer=viewer, announcement=announcement, comment_form=form)


@login_required
@require_POST
def announcement_comment_delete(request, slug, pk):
    club, viewer = _enter(request, slug)
    comment = selectors.announcement_comment_get(club=club, pk=pk, viewer=viewer)
    back = comment.announcement.get_absolute_url()
    if not services.announcement_comment_may_delete(comment=comment, actor=request.user):
        raise Http404
    if not delete_confirmed(request):
        return confirm_delete_page(request, question=_("Delete this comment?"), subject=comment.text, cancel_url=back)
    services.announcement_comment_delete(comment=comment, actor=request.user)
    messages.success(request, _("The comment was deleted."))
    return after_delete(request, next_path(request, back))


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="report", rate="10/m,50/d")
def announcement_comment_report(request, slug, pk):
    club, viewer = _enter(request, slug)
    comment = selectors.announcement_comment_get(club=club, pk=pk, viewer=viewer)
    return _report(
        request, club, announcement_comment=comment, back_url=comment.announcement.get_absolute_url() + "#comments"
    )


@login_required
@require_POST
def announcement_comment_moderate(request, slug, pk):
    club, viewer = _enter_as_leader(request, slug)
    comment = selectors.announcement_comment_get(club=club, pk=pk, viewer=viewer)
    return _moderate(request, comment, fallback=comment.announcement.get_absolute_url())
