"""The local outbox: every email sent with DEBUG on is kept and shown at /dev/outbox/ (devtools, dev only)."""

from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from devtools.outbox.store import outbox_dir, outbox_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox_settings(settings, tmp_path):
    settings.DEBUG = True
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_BACKEND = "devtools.outbox.backend.OutboxEmailBackend"
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


def _send(subject: str, *, to: str = "mona@example.com", html: str | None = None) -> None:
    message = EmailMultiAlternatives(subject=subject, body=f"Text of {subject}: http://127.0.0.1:8000/x/", to=[to])
    if html is not None:
        message.attach_alternative(html, "text/html")
    message.send()


def test_outbox_keeps_every_message_and_still_delivers_it(outbox_settings):
    _send("First", html="<p>First <a href='http://127.0.0.1:8000/clubs/'>clubs</a></p>")
    assert len(mail.outbox) == 1  # handed on to the configured backend
    files = sorted(outbox_dir().glob("*.eml"))
    assert len(files) == 1
    # Read back with the standard library's parser, as a mail client would: both parts, intact.
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "First" and parsed["To"] == "mona@example.com"
    assert "Text of First" in parsed.get_body(preferencelist=("plain",)).get_content()
    assert "href='http://127.0.0.1:8000/clubs/'" in parsed.get_body(preferencelist=("html",)).get_content()


def test_outbox_list_is_newest_first_with_recipient_subject_and_kind(client, outbox_settings):
    for subject in ("One", "Two", "Three"):
        _send(subject)
    assert [kept.subject for kept in outbox_list()] == ["Three", "Two", "One"]
    page = client.get(reverse("devtools:outbox")).content.decode()
    assert page.index("Three") < page.index("Two") < page.index("One")
    assert "mona@example.com" in page
    assert outbox_list()[0].kind == "other"


def test_outbox_message_page_shows_text_headers_and_a_sandboxed_frame(client, outbox_settings):
    _send("With HTML", html="<p>Hello <b>there</b></p><script>alert(1)</script>")
    kept = outbox_list()[0]
    page = client.get(reverse("devtools:outbox-message", args=[kept.id]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'sandbox="' in body and reverse("devtools:outbox-message-html", args=[kept.id]) in body
    assert '<a href="http://127.0.0.1:8000/x/"' in body  # the text part's links work on the local server
    assert "Message-ID" in body and "Content-Type" in body
    frame = client.get(reverse("devtools:outbox-message-html", args=[kept.id]))
    assert frame.status_code == 200
    policy_header = frame["Content-Security-Policy"]
    assert policy_header.startswith("sandbox ") and "allow-scripts" not in policy_header
    assert "frame-ancestors 'self'" in policy_header and frame["X-Frame-Options"] == "SAMEORIGIN"
    assert '<base target="_top">' in frame.content.decode()


def test_outbox_names_the_kind_of_allauth_and_automation_emails(client, outbox_settings):
    client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": "a-long-pass-4321", "password2": "a-long-pass-4321"},
    )
    kept = outbox_list()[0]
    assert kept.kind == "account" and kept.message["To"] == "new@example.com"


@pytest.mark.parametrize("name", ["outbox", "outbox-message", "outbox-message-html"])
def test_outbox_answers_404_with_debug_off(client, settings, tmp_path, name):
    settings.DEBUG = False
    settings.OUTBOX_DIR = tmp_path
    args = [] if name == "outbox" else ["1796146691831205486-6768d708aba04939b2da71d6222b9085"]
    assert client.get(reverse(f"devtools:{name}", args=args)).status_code == 404


@pytest.mark.parametrize(
    "message_id", ["../../etc/passwd", "x" * 52, "1796146691831205486-6768d708aba04939b2da71d6222b9085"]
)
def test_outbox_message_that_is_not_kept_is_404(client, outbox_settings, message_id):
    response = client.get(f"/dev/outbox/{message_id}/")
    assert response.status_code == 404
