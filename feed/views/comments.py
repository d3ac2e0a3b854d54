"""Comments under achievements and under announcements: one rate limit, one way to post, refuse and delete."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.ratelimit import rate_limit, retry_message
from feed import selectors, services
from feed.forms import CommentForm
from feed.views.common import delete_page, detail_page, enter, form_save, item_find

# One allowance for comments wherever they are written, under a post or under an announcement.
COMMENT_RATE = "20/m,300/d"


def _under(request, slug, pk, *, kind: str):
    """What the comment goes under, its page's address, and its page for a given comment form."""
    club, viewer, parent, url = item_find(request, slug, pk, kind=kind)
    return parent, url, partial(detail_page, request, club=club, viewer=viewer, kind=kind, item=parent)


def _create_limited(request, slug, pk, *, kind: str, retry_after: int):
    """Over the limit: the page again, with the comment as the member typed it and when to try again."""
    _parent, _url, page = _under(request, slug, pk, kind=kind)
    form = CommentForm(request.POST)
    form.add_error(None, retry_message(retry_after))
    return page(comment_form=form, status=429)


def _create(request, slug, pk, *, kind: str, create):
    """Post the comment with ``create`` (the service) and go to it; a refused comment keeps what was typed."""
    parent, url, page = _under(request, slug, pk, kind=kind)
    form = CommentForm(request.POST)
    comment = form_save(request, form, partial(create, author=request.user, **{kind: parent}))
    if comment is not None:
        return redirect(f"{url}#comment-{comment.pk}")
    return page(comment_form=form)  # the page again, not a redirect to an empty form


def _posting_under(kind: str):
    """Comment views: signed in, POST only, within the comment allowance (over it: ``_create_limited``)."""
    limit = rate_limit(action="comment", rate=COMMENT_RATE, on_limit=partial(_create_limited, kind=kind))
    return lambda view: login_required(require_POST(limit(view)))


def _delete(request, slug, pk, *, kind: str, may_delete, delete):
    """Ask, then delete one comment (``kind``: "comment" or "announcement_comment") with its services."""
    _club, _viewer, comment, url = item_find(request, slug, pk, kind=kind)
    return delete_page(
        request,
        may_delete=lambda: may_delete(comment=comment, actor=request.user),
        delete=lambda: delete(comment=comment, actor=request.user),
        question=_("Delete this comment?"),
        subject=comment.text,
        cancel_url=url,
        deleted=_("The comment was deleted."),
        then=url,
    )


@_posting_under("achievement")
def comment_create(request, slug, pk):
    return _create(request, slug, pk, kind="achievement", create=services.comment_create)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request, slug, pk):
    club, viewer = enter(request, slug)
    comment = selectors.comment_get(club=club, pk=pk, viewer=viewer)
    if comment.author_id != request.user.pk:
        raise Http404
    form = CommentForm(request.POST or None, initial={"text": comment.text})
    saved = form_save(request, form, partial(services.comment_update, comment=comment, editor=request.user))
    if saved is not None:
        messages.success(request, _("Your comment was updated."))
        return redirect(comment.achievement.get_absolute_url() + f"#comment-{comment.pk}")
    return render(request, "feed/comment_form.html", {"club": club, "form": form, "comment": comment})


@login_required
@require_POST
def comment_delete(request, slug, pk):
    return _delete(
        request, slug, pk, kind="comment", may_delete=services.comment_may_delete, delete=services.comment_delete
    )


@_posting_under("announcement")
def announcement_comment_create(request, slug, pk):
    return _create(request, slug, pk, kind="announcement", create=services.announcement_comment_create)


@login_required
@require_POST
def announcement_comment_delete(request, slug, pk):
    return _delete(
        request,
        slug,
        pk,
        kind="announcement_comment",
        may_delete=services.announcement_comment_may_delete,
        delete=services.announcement_comment_delete,
    )
