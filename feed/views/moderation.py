"""Reports and moderation: members report posts and comments, leaders read the queue and hide or restore.

One report form and one hide-or-restore action serve posts, feed comments and comments under announcements.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.ratelimit import rate_limit
from feed import selectors, services
from feed.exceptions import FeedError
from feed.forms import ReportForm
from feed.views.common import back, enter_as_leader, item_find

REPORT_RATE = "10/m,50/d"  # one allowance for every kind of report


def _report(request, slug, pk, *, kind: str, anchor: str = ""):
    """The report form for one item (``kind`` in ``ITEMS``); sent, it returns to the item's page."""
    club, _viewer, item, page_url = item_find(request, slug, pk, kind=kind)
    back_url = page_url + anchor
    if item.author_id == request.user.pk:  # one's own post: no report form at all (the service refuses it too)
        messages.info(request, _("You cannot report your own post or comment; edit or delete it instead."))
        return redirect(back_url)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(reporter=request.user, reason=form.cleaned_data["reason"], **{kind: item})
        except FeedError as error:
            messages.info(request, str(error))
        else:
            messages.success(request, _("Thank you. The club's leaders will look at it."))
        return redirect(back_url)
    context = {
        "club": club,
        "form": form,
        "achievement": item if kind == "achievement" else None,
        "comment": None if kind == "achievement" else item,
        "back_url": back_url,
    }
    return render(request, "feed/report_form.html", context)


def _moderate(request, slug, pk, *, kind: str):
    """Hide or restore one item (``kind`` in ``ITEMS``) and go back to where the leader was."""
    _club, _viewer, item, fallback = item_find(request, slug, pk, kind=kind, leaders_only=True)
    action = request.POST.get("action")
    if action not in ("hide", "restore"):
        messages.error(request, _("Choose hide or restore."))
        return back(request, fallback)
    services.item_set_hidden(item=item, moderator=request.user, hidden=action == "hide")
    messages.success(request, _("Hidden from members.") if action == "hide" else _("Visible to members again."))
    return back(request, fallback)


@login_required
def report_list(request, slug):
    club, viewer = enter_as_leader(request, slug)
    context = {"club": club, "viewer": viewer, "reports": selectors.open_reports(club=club)}
    return render(request, "feed/report_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="report", rate=REPORT_RATE)
def achievement_report(request, slug, pk):
    return _report(request, slug, pk, kind="achievement")


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="report", rate=REPORT_RATE)
def comment_report(request, slug, pk):
    return _report(request, slug, pk, kind="comment")


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="report", rate=REPORT_RATE)
def announcement_comment_report(request, slug, pk):
    return _report(request, slug, pk, kind="announcement_comment", anchor="#comments")


@login_required
@require_POST
def achievement_moderate(request, slug, pk):
    return _moderate(request, slug, pk, kind="achievement")


@login_required
@require_POST
def comment_moderate(request, slug, pk):
    return _moderate(request, slug, pk, kind="comment")


@login_required
@require_POST
def announcement_comment_moderate(request, slug, pk):
    return _moderate(request, slug, pk, kind="announcement_comment")
