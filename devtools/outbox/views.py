"""/dev/outbox/: the emails the local site sent, newest first. Answers only with DEBUG on (404 otherwise)."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from devtools.outbox.store import outbox_get, outbox_list

# The message's own HTML runs in an opaque origin: no scripts, no cookies, no forms; links open the real page.
MESSAGE_HTML_POLICY = (
    "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation; "
    "default-src 'none'; img-src 'self' data: http: https:; style-src 'unsafe-inline'; frame-ancestors 'self'"
)


def _debug_only() -> None:
    if not settings.DEBUG:
        raise Http404


def _message_or_404(message_id: str):
    _debug_only()
    message = outbox_get(message_id)
    if message is None:
        raise Http404
    return message


@require_safe
def outbox(request):
    _debug_only()
    return render(request, "devtools/outbox/outbox_list.html", {"messages_kept": outbox_list()})


@require_safe
def outbox_message(request, message_id: str):
    message = _message_or_404(message_id)
    context = {"kept": message, "text": message.part("text/plain"), "has_html": bool(message.part("text/html"))}
    return render(request, "devtools/outbox/outbox_message.html", context)


@require_safe
@xframe_options_sameorigin
def outbox_message_html(request, message_id: str):
    """The HTML part alone, for the sandboxed frame of the message page; its links open in the whole window."""
    message = _message_or_404(message_id)
    html = message.part("text/html")
    if not html:
        raise Http404
    response = HttpResponse('<base target="_top">' + html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = MESSAGE_HTML_POLICY
    return response
