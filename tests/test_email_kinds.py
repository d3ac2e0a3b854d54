"""Every kind of member email, made by the real service, parsed back with Python's email package (issue 19).

Each kind is checked as a mail client and a receiver see it: valid MIME, multipart/alternative with a text
and an HTML part, a UTF-8 subject that decodes back in ar, de and fa, the pipeline's headers (From name,
Message-ID on the sending domain, Auto-Submitted, List-Unsubscribe for non-transactional kinds), the footer
in both parts, and every link resolved against the test server. The references are independent of the code
under test: the standard library's parser for the message, html.parser for the links, the test client for
the URLs, and the translation catalogs (ngettext/gettext) for texts.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.utils import parseaddr
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.models import EmailSuppression, User
from tests.events.factories import EventOccurrenceFactory
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

FROM_ADDRESS = "noreply@mail.returnpath.app"
POSTAL_ADDRESS = "Healthy and Happy Club, Rua das Flores 12, 1200-195 Lisboa"


@pytest.fixture(autouse=True)
def sending_settings(settings):
    settings.DEFAULT_FROM_EMAIL = f"Returnpath <{FROM_ADDRESS}>"
    settings.SITE_URL = "https://testserver"
    return settings


@pytest.fixture
def branded_club(club):
    type(club).objects.filter(pk=club.pk).update(
        postal_address=POSTAL_ADDRESS, brand_colour="#1a7f37", reply_to_email="hello@healthy.club"
    )
    club.refresh_from_db()
    return club


def _member(club, language: str) -> User:
    user = MembershipFactory(club=club, plan=club.plans.first(), user=UserFactory(preferred_language=language)).user
    return user


# --- One maker per kind: (category, recipient, the sent message) ------------------------------------------


def make_offer(club, language, callbacks):
    from offers.services.sending import offer_send_start
    from tests.offers.factories import OfferFactory

    member = _member(club, language)
    leader = UserFactory()
    club.leaders.add(leader)
    with callbacks(execute=True):
        offer_send_start(offer=OfferFactory(club=club), actor=leader)
    return "offers", member


def make_payment_failed(club, language, callbacks):
    from billing.models import Invoice, StripeCustomer, Subscription
    from billing.services.notifications import payment_failed_notify

    member = _member(club, language)
    membership = member.memberships.get(club=club)
    customer = StripeCustomer.objects.create(user=member, stripe_customer_id=f"cus_{member.pk}")
    subscription = Subscription.objects.create(
        stripe_subscription_id=f"sub_{member.pk}",
        membership=membership,
        customer=customer,
        plan=membership.plan,
        status="past_due",
    )
    invoice = Invoice.objects.create(
        stripe_invoice_id=f"in_{member.pk}",
        customer=customer,
        subscription=subscription,
        status="open",
        currency="usd",
        amount_due_minor=500,
        stripe_created=timezone.now(),
    )
    assert payment_failed_notify(invoice_pk=invoice.pk)
    return "transactional", member


def make_nps(club, language, callbacks):
    from analytics.services.nps import nps_survey_email
    from tests.analytics.factories import NpsSurveyFactory

    member = _member(club, language)
    survey = NpsSurveyFactory(membership=member.memberships.get(club=club))
    assert nps_survey_email(survey_pk=survey.pk)
    return "nps", member


def make_event_cancelled(club, language, callbacks):
    from events.models import EventOccurrence
    from events.services.notifications import occurrence_cancellation_notify
    from tests.events.factories import RsvpFactory

    member = _member(club, language)
    occurrence = EventOccurrenceFactory(club=club, title="Morning run")
    RsvpFactory(occurrence=occurrence, user=member)
    EventOccurrence.objects.filter(pk=occurrence.pk).update(cancelled_at=timezone.now())
    assert occurrence_cancellation_notify(occurrence_pk=occurrence.pk) == 1
    return "transactional", member


def make_event_reminder(club, language, callbacks):
    from events.models import Rsvp
    from events.services.notifications import event_reminders_send
    from tests.events.factories import RsvpFactory

    member = _member(club, language)
    now = timezone.now()
    occurrence = EventOccurrenceFactory(
        club=club, title="Evening swim", starts_at=now + timedelta(hours=20), ends_at=now + timedelta(hours=21)
    )
    rsvp = RsvpFactory(occurrence=occurrence, user=member)
    Rsvp.objects.filter(pk=rsvp.pk).update(responded_at=now - timedelta(days=3))
    assert event_reminders_send(now=now) == 1
    return "transactional", member


def make_digest(club, language, callbacks):
    from feed import services
    from tests.feed.factories import AchievementFactory, CheerFactory, member_of

    author = member_of(club)
    User.objects.filter(pk=author.pk).update(preferred_language=language)
    post = AchievementFactory(club=club, author=author)
    CheerFactory(achievement=post, user=member_of(club))
    assert services.activity_digest_send(user_id=author.pk) == 1
    return "digest", User.objects.get(pk=author.pk)


def make_automation(club, language, callbacks):
    from automations.models import AutomationKind
    from automations.services.triggers import automation_run_kind

    member = MembershipFactory(
        club=club,
        plan=club.plans.first(),
        started_at=timezone.now() - timedelta(hours=1),
        user=UserFactory(preferred_language=language),
    ).user
    with callbacks(execute=True):
        assert automation_run_kind(club=club, kind=AutomationKind.WELCOME, now=timezone.now()) == 1
    return "automations", member


def make_membership_active(club, language, callbacks):
    from billing.services.notifications import activation_notify
    from clubs.models import MembershipStatus, MembershipStatusChange

    member = _member(club, language)
    change = MembershipStatusChange.objects.create(
        membership=member.memberships.get(club=club),
        from_status=MembershipStatus.PENDING,
        to_status=MembershipStatus.ACTIVE,
    )
    mail.outbox.clear()  # where commits run at once (browser tests), the welcome automation went out already
    assert activation_notify(status_change_pk=change.pk)
    return "transactional", member


def make_account(club, language, callbacks, client=None):
    member = UserFactory(preferred_language=language)
    client.post(reverse("account_reset_password"), {"email": member.email})
    return "transactional", member


def make_import_invitation(club, language, callbacks):
    from imports.models import ImportFormat, ImportJob, ImportRow, RowOutcome
    from imports.services import import_invitation_send

    member = UserFactory(preferred_language=language)
    member.set_unusable_password()
    member.save()
    job = ImportJob.objects.create(club=club, source_format=ImportFormat.GENERIC, headers=["email"])
    row = ImportRow.objects.create(
        job=job, line=2, email=member.email, outcome=RowOutcome.CREATE, user=member, applied_at=timezone.now()
    )
    assert import_invitation_send(row_id=row.pk)
    return "transactional", member


KINDS = {
    "offer": make_offer,
    "payment_failed": make_payment_failed,
    "membership_active": make_membership_active,
    "nps": make_nps,
    "event_cancelled": make_event_cancelled,
    "event_reminder": make_event_reminder,
    "digest": make_digest,
    "automation": make_automation,
    "account": make_account,
    "import_invitation": make_import_invitation,
}
BRANDED_KINDS = [
    "import_invitation",
    "offer",
    "payment_failed",
    "membership_active",
    "nps",
    "event_cancelled",
    "event_reminder",
    "automation",
]


@dataclass
class Sent:
    category: str
    member: User
    django_message: object
    parsed: object


def send_kind(kind, club, language, callbacks, client) -> Sent:
    mail.outbox.clear()
    if kind == "account":
        category, member = make_account(club, language, callbacks, client=client)
    else:
        category, member = KINDS[kind](club, language, callbacks)
    mine = [message for message in mail.outbox if message.to == [member.email]]
    assert len(mine) == 1, f"{kind}: expected one email to the member, got {len(mine)}"
    message = mine[0]
    return Sent(category, member, message, message_from_bytes(message.message().as_bytes(), policy=policy.default))


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)


def html_links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


def parts(parsed) -> tuple[str, str]:
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    return text, html


# --- The checks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "ar", "fa"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_email_kind_is_valid_mime_with_utf8_subject_and_the_pipeline_headers(
    kind, language, branded_club, django_capture_on_commit_callbacks, client
):
    sent = send_kind(kind, branded_club, language, django_capture_on_commit_callbacks, client)
    parsed = sent.parsed
    if parsed.get_content_type() == "multipart/mixed":  # event notices carry their updated calendar file
        body, *attachments = parsed.iter_parts()
        assert [part.get_content_type() for part in attachments] == ["text/calendar"]
    else:
        body = parsed
    assert body.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in body.iter_parts()] == ["text/plain", "text/html"]
    assert not parsed.defects and all(not part.defects for part in parsed.walk())
    for part in body.iter_parts():
        assert part.get_content_charset() == "utf-8"
    raw_subject = sent.django_message.message()["Subject"]
    assert str(raw_subject).isascii()  # encoded words on the wire ...
    # Django 5.2 folds a non-ASCII subject onto a continuation line ("Subject: CRLF SP =?utf-8?..."); unfolding
    # leaves the whitespace before the first encoded word, which readers drop: compare without it.
    subject = str(parsed["Subject"]).strip()
    assert subject == sent.django_message.subject and "\n" not in subject  # ... that decode back, one line
    if language in ("ar", "fa"):
        assert re.search(r"[\u0600-\u06ff]", subject), f"{kind}: the {language} subject is not translated: {subject}"
    # Message-ID on the sending domain, never the host name (localhost)
    message_id = str(parsed["Message-ID"])
    assert re.fullmatch(r"<[^@<>\s]+@mail\.returnpath\.app>", message_id), message_id
    assert parseaddr(str(parsed["From"]))[1] == FROM_ADDRESS
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Returnpath-Category"] == sent.category
    if sent.category == "transactional":
        assert parsed["List-Unsubscribe"] is None and parsed["List-Unsubscribe-Post"] is None
    else:
        targets = re.findall(r"<([^>]+)>", str(parsed["List-Unsubscribe"]))
        assert targets and all(urlsplit(t).scheme in ("https", "mailto") for t in targets)
        assert any(urlsplit(t).scheme == "https" for t in targets)
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize("kind", BRANDED_KINDS)
def test_club_emails_come_from_the_club_with_its_reply_to_and_footer(
    kind, branded_club, django_capture_on_commit_callbacks, client
):
    sent = send_kind(kind, branded_club, "en", django_capture_on_commit_callbacks, client)
    name, address = parseaddr(str(sent.parsed["From"]))
    assert (name, address) == (branded_club.name, FROM_ADDRESS)
    assert parseaddr(str(sent.parsed["Reply-To"]))[1] == "hello@healthy.club"
    text, html = parts(sent.parsed)
    for body in (text, html):
        assert POSTAL_ADDRESS in body
        assert "You get this email because" in body  # the reason, in both parts
    assert "#1a7f37" in html and 'name="color-scheme"' in html and "prefers-color-scheme: dark" in html


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_link_in_every_email_kind_resolves_on_the_test_server(
    kind, branded_club, django_capture_on_commit_callbacks, client
):
    sent = send_kind(kind, branded_club, "en", django_capture_on_commit_callbacks, client)
    text, html = parts(sent.parsed)
    links = set(html_links(html)) | set(re.findall(r"https?://[^\s<>\"]+", text))
    links |= set(re.findall(r"<(https://[^>]+)>", str(sent.parsed["List-Unsubscribe"] or "")))
    ours = [link for link in links if urlsplit(link).hostname == "testserver"]
    assert ours, f"{kind}: no link to the site"
    client.force_login(sent.member)
    client.raise_request_exception = False
    for link in sorted(ours):
        parts_ = urlsplit(link)
        path = parts_.path + (f"?{parts_.query}" if parts_.query else "")
        status = client.get(path).status_code
        assert status not in (404, 500), f"{kind}: {link} answered {status}"


@pytest.mark.parametrize("kind", ["nps", "digest", "automation"])
def test_one_click_unsubscribe_turns_the_category_off(kind, branded_club, django_capture_on_commit_callbacks, client):
    sent = send_kind(kind, branded_club, "en", django_capture_on_commit_callbacks, client)
    (target,) = [t for t in re.findall(r"<([^>]+)>", str(sent.parsed["List-Unsubscribe"])) if t.startswith("https")]
    response = client.post(urlsplit(target).path, {"List-Unsubscribe": "One-Click"})  # no cookie, no CSRF token
    assert response.status_code == 200
    field = {"nps": "email_club_news", "digest": "email_activity_digest", "automation": "email_club_news"}[kind]
    assert getattr(User.objects.get(pk=sent.member.pk), field) is False


def test_unsubscribe_link_altered_changes_nothing(client):
    response = client.post(reverse("members:email-unsubscribe", args=["not-a-token"]))
    assert response.status_code == 400


# --- Regression tests for the defects issue 19 names ------------------------------------------------------


def test_offers_ignored_suppression_a_bounced_address_gets_no_offer_and_is_counted(
    branded_club, django_capture_on_commit_callbacks
):
    from offers import selectors
    from offers.models import OfferSend
    from offers.services.sending import offer_send_start
    from tests.offers.factories import OfferFactory

    reached = _member(branded_club, "en")
    bounced = _member(branded_club, "en")
    EmailSuppression.objects.create(email=bounced.email, reason="bounced")
    leader = UserFactory()
    branded_club.leaders.add(leader)
    offer = OfferFactory(club=branded_club)
    preview = selectors.offer_send_preview(offer=offer)
    assert (preview.reached, preview.skipped_suppressed) == (1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=leader)
    assert [message.to for message in mail.outbox] == [[reached.email]]
    assert OfferSend.objects.get(offer=offer).skipped_suppressed == 1


def test_offers_ignored_suppression_an_address_suppressed_after_resolving_is_skipped_at_send(
    branded_club, django_capture_on_commit_callbacks
):
    from offers.models import DeliveryStatus, OfferDelivery
    from offers.services.sending import offer_batch_send, offer_send_resolve, offer_send_start
    from tests.offers.factories import OfferFactory

    member = _member(branded_club, "en")
    leader = UserFactory()
    branded_club.leaders.add(leader)
    offer = OfferFactory(club=branded_club)
    send = offer_send_start(offer=offer, actor=leader)  # callbacks not run: resolve and send by hand
    offer_send_resolve(send_id=send.pk)
    EmailSuppression.objects.create(email=member.email, reason="complained")
    delivery = OfferDelivery.objects.get(offer=offer, user=member)
    offer_batch_send(batch_id=delivery.batch_id)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SKIPPED and mail.outbox == []


def test_offer_send_screen_counts_skipped_address_suppressed(branded_club, client):
    from tests.offers.factories import OfferFactory

    _member(branded_club, "en")
    bounced = _member(branded_club, "en")
    EmailSuppression.objects.create(email=bounced.email, reason="bounced")
    leader = UserFactory()
    branded_club.leaders.add(leader)
    offer = OfferFactory(club=branded_club)
    client.force_login(leader)
    page = client.get(reverse("offers:offer-send", args=[branded_club.slug, offer.pk])).content.decode()
    line = re.search(r'id="send-skipped-suppressed">([^<]*)<', page).group(1)
    assert "skipped: address suppressed" in line and "(1 member" in line


@pytest.mark.parametrize("kind", ["nps", "digest", "automation"])
def test_suppressed_address_gets_no_non_transactional_email(
    kind, branded_club, django_capture_on_commit_callbacks, client, monkeypatch
):
    from core import emails

    monkeypatch.setattr(emails, "_suppression_checks", [lambda address: True])
    with pytest.raises(AssertionError, match="got 0"):
        send_kind(kind, branded_club, "en", django_capture_on_commit_callbacks, client)


def test_suppression_check_is_registered_by_members():
    from core import emails
    from members.services import email_is_suppressed

    assert email_is_suppressed in emails._suppression_checks


def test_localhost_message_id_automation_emails_carry_the_sending_domain(
    branded_club, django_capture_on_commit_callbacks, client, monkeypatch
):
    from django.core.mail import utils

    # What Django's own Message-ID would use: the machine's host name, often "localhost".
    monkeypatch.setattr(utils.DNS_NAME, "_fqdn", "localhost", raising=False)
    sent = send_kind("automation", branded_club, "en", django_capture_on_commit_callbacks, client)
    message_id = str(sent.parsed["Message-ID"])
    assert "@localhost" not in message_id and message_id.endswith("@mail.returnpath.app>")


@pytest.mark.parametrize("kind", ["offer", "nps", "digest", "automation"])
def test_http_list_unsubscribe_is_sent_as_https_even_when_site_url_is_http(
    kind, branded_club, django_capture_on_commit_callbacks, client, settings
):
    settings.SITE_URL = "http://testserver"
    sent = send_kind(kind, branded_club, "en", django_capture_on_commit_callbacks, client)
    header = str(sent.parsed["List-Unsubscribe"])
    assert "http://" not in header and "<https://testserver/" in header, header


def test_latin_digits_win_back_subject_and_body_use_native_digits_in_arabic_and_persian(branded_club):
    from automations.models import AutomationKind
    from automations.services.delivery import automation_email
    from tests.automations.factories import AutomationSendFactory

    expected = {"ar": "٢٥", "fa": "۲۵", "de": "25"}
    for language, digits in expected.items():
        member = _member(branded_club, language)
        send = AutomationSendFactory(
            membership=member.memberships.get(club=branded_club),
            kind=AutomationKind.WIN_BACK,
            percent_off=25,
            is_offer=True,
            status="pending",
            sent_at=None,
        )
        message = automation_email(send, now=timezone.now())
        parsed = message_from_bytes(message.message().as_bytes(), policy=policy.default)
        subject = str(parsed["Subject"]).strip()
        assert digits in subject, (language, subject)
        if language != "de":
            assert "25" not in subject
            text, html = parts(parsed)
            assert digits in text and digits in html


def test_transactional_account_email_is_not_stopped_by_suppression(client):
    member = UserFactory()
    EmailSuppression.objects.create(email=member.email, reason="bounced")
    client.post(reverse("account_reset_password"), {"email": member.email})
    assert [message.to for message in mail.outbox] == [[member.email]]


def test_the_local_development_server_keeps_its_http_unsubscribe_links_so_the_outbox_links_work(settings):
    from core.emails import https

    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.DEBUG = True
    assert https("http://127.0.0.1:8000/u/abc/") == "http://127.0.0.1:8000/u/abc/"
    settings.DEBUG = False
    assert https("http://127.0.0.1:8000/u/abc/") == "https://127.0.0.1:8000/u/abc/"
