"""Leaders see before they send: an email built by the real pipeline, shown in a sandbox, or sent as a test.

The preview and the test are the very message ``core.emails.email_build`` makes (same templates, headers and
footer), addressed to the leader instead of a member; only the subject of a test says that it is one.
"""

from django.core.mail import EmailMultiAlternatives
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

# The email's own HTML runs in an opaque origin: no scripts, no cookies, no forms; links open the real page.
PREVIEW_HTML_POLICY = (
    "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation; "
    "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
)
# Each leader may send a few tests, not a mailing: counted per user (core/ratelimit.py).
TEST_SEND_RATE = "5/10m,30/d"


def part(message: EmailMultiAlternatives, mimetype: str) -> str:
    if mimetype == "text/plain":
        return message.body
    return next((content for content, kind in message.alternatives if kind == mimetype), "")


def html_response(message: EmailMultiAlternatives) -> HttpResponse:
    """The HTML part alone, for a sandboxed frame on the leader's page (the page's CSP forbids its inline CSS)."""
    response = HttpResponse(
        '<base target="_top">' + part(message, "text/html"), content_type="text/html; charset=utf-8"
    )
    response["Content-Security-Policy"] = PREVIEW_HTML_POLICY
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "no-store"
    return response


def send_test_copy(message: EmailMultiAlternatives, *, language: str) -> None:
    """Mark the subject as a test (in the email's own language) and send it to the leader it is addressed to."""
    with translation.override(language):
        message.subject = _("[Test] %(subject)s") % {"subject": message.subject}
    message.extra_headers = {**message.extra_headers, "X-Returnpath-Test": "1"}
    message.send()
