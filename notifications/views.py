"""The notifications page, the bell, the email settings and the one-click unsubscribe. Thin: selectors and services.

Every page works without JavaScript (links and POST forms); htmx only refreshes the bell.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.redirects import is_site_path
from core.tokens import BadToken, token_read
from members.models import User
from notifications import selectors, services
from notifications.emails import DIGEST, UNSUBSCRIBE_PURPOSE
from notifications.exceptions import NotificationsError
from notifications.forms import PreferencesForm
from notifications.kinds import KINDS, EmailChoice

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list(request):
    page = Paginator(selectors.notification_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page, "notifications": page.object_list})


@login_required
@require_GET
def notification_open(request, notification_id: int):
    """Visiting a notification marks it read and goes where it points (only a path of this site)."""
    notification = selectors.notification_get(user=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404
    services.notification_mark_read(notification=notification, user=request.user)
    target = notification.url if is_site_path(notification.url) else reverse("notifications:notification-list")
    return redirect(target)


@login_required
@require_POST
def notification_mark_all_read(request):
    count = services.notification_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications:notification-list")


@never_cache
@require_GET
def bell(request):
    """Only the bell fragment, for htmx's refresh (one COUNT). Signed out: 204, htmx swaps nothing."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(request, "notifications/_bell.html", {"bell_unread": selectors.unread_count(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def preferences_edit(request):
    choices = selectors.email_choices_for(user=request.user)
    form = PreferencesForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_set(user=request.user, choices=form.cleaned_data)
        except NotificationsError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your notification emails are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences_edit.html", {"form": form})


def _unsubscribe_kinds(user: User, kind: str) -> list[str]:
    if kind == DIGEST:
        return [name for name, choice in selectors.email_choices_for(user=user).items() if choice == EmailChoice.DIGEST]
    return [kind]


@csrf_exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" without cookies or a CSRF token
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request, token: str):
    """The List-Unsubscribe target of notification emails: GET only asks (link scanners follow GETs), POST
    turns that kind's email off (a digest's: every kind in the digest). The notifications stay in the site."""
    try:
        user_id, kind = token_read(token, purpose=UNSUBSCRIBE_PURPOSE, shape=(int, str))
    except BadToken:
        return render(request, "members/email_unsubscribe_invalid.html", status=400)
    user = User.objects.filter(pk=user_id).first()
    if user is None or (kind != DIGEST and kind not in KINDS):
        return render(request, "members/email_unsubscribe_invalid.html", status=404)
    preference = _("The daily digest of notifications") if kind == DIGEST else KINDS[kind].label
    context = {"token": token, "preference": preference, "preferences_url": reverse("notifications:preferences")}
    if request.method == "POST":
        services.preferences_turn_off(user=user, kinds=_unsubscribe_kinds(user, kind))
        return render(request, "notifications/email_unsubscribe_done.html", context)
    return render(request, "notifications/email_unsubscribe.html", context)
