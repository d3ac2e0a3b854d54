"""Render once per (language, time zone), fill per member: the same email as rendering each member in full.

The reference is today's per-member render (``offer_email``); both are serialised to bytes and parsed back
with the standard library's email parser, then compared header by header, body by body, link by link.
"""

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.core import signing
from django.utils import timezone

from core import emails
from core.emails import EmailSuppressed
from members.models import EmailSuppression
from offers.emails import OfferEmailRenderer, offer_email
from offers.models import OfferDelivery
from offers.services.sending import offer_send_resolve, offer_send_start
from tests.factories import UserFactory
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db

# Names that escaping, bidi text, quoting and the e-mail fallback would each expose.
NAMES = ["Tom & <Jerry> \"Q\" 'R'", "سارا احمدی", "Jörg Müller", ""]
LANGUAGES = ["en", "de", "ar", "fa"]
ZONES = ["UTC", "Asia/Tehran", "America/New_York"]
VARIABLE_HEADERS = ("Date",)  # the moment of serialising; MIME boundaries are compared through the parts


@pytest.fixture(autouse=True)
def one_signing_second(monkeypatch):
    """Signed links carry the current second: pin it, so two renders of one member sign the same links."""
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: "1abcde")


@pytest.fixture
def deliveries(club, make_members, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://clubs.example.com"
    type(club).objects.filter(pk=club.pk).update(
        postal_address="1 Main St\nSpringfield", reply_to_email="hello@club.example.org", brand_colour="#aa3300"
    )
    club.refresh_from_db()
    members = []
    for index in range(24):
        members += make_members(
            1,
            display_name=NAMES[index % len(NAMES)],
            preferred_language=LANGUAGES[index % len(LANGUAGES)],
            time_zone=ZONES[index % len(ZONES)],
        )
    offer = OfferFactory(
        club=club,
        title="Tea & Cake <today>",
        body="Line one.\n\nLine two & more: https://example.org/x?a=1&b=2",
        valid_until=timezone.now() + timedelta(days=3, hours=5),
    )
    with django_capture_on_commit_callbacks(execute=False):
        offer_send_resolve(send_id=offer_send_start(offer=offer, actor=UserFactory()).pk)
    return offer, list(OfferDelivery.objects.select_related("user").order_by("pk"))


def parsed(message):
    return message_from_bytes(message.message().as_bytes(linesep="\r\n"), policy=policy.default)


def bodies(parsed_message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in parsed_message.walk() if not part.is_multipart()}


def headers(parsed_message) -> list[tuple[str, str]]:
    """Every header, in order; the random MIME boundary left out of Content-Type (the parts are compared)."""
    return [
        (name, (re.sub(r'boundary="[^"]*"', "boundary", str(value)) if name == "Content-Type" else str(value)).strip())
        for name, value in parsed_message.items()
        if name not in VARIABLE_HEADERS
    ]


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"']+", text)


def test_render_once_gives_every_member_the_email_of_a_full_render(deliveries):
    offer, rows = deliveries
    renderer = OfferEmailRenderer(offer=offer)
    for delivery in rows:
        fast, full = parsed(renderer.email_for(delivery)), parsed(offer_email(delivery=delivery, offer=offer))
        assert headers(fast) == headers(full)
        assert fast["List-Unsubscribe"] == full["List-Unsubscribe"]
        assert fast["To"] == delivery.user.email
        assert bodies(fast) == bodies(full)
        assert set(bodies(fast)) == {"text/plain", "text/html"}
        assert links(bodies(fast)["text/plain"]) == links(bodies(full)["text/plain"])
        assert links(bodies(fast)["text/html"]) == links(bodies(full)["text/html"])


def test_render_once_bytes_for_smtp_mean_what_a_full_render_means(deliveries):
    """The SMTP path fills the serialised bytes: parsed back, the same headers, parts and links."""
    from offers.smtp import envelope_for

    offer, rows = deliveries
    renderer = OfferEmailRenderer(offer=offer)
    for delivery in rows:
        envelope = renderer.envelope_for(delivery)
        reference = envelope_for(offer_email(delivery=delivery, offer=offer))
        fast, full = (message_from_bytes(data, policy=policy.default) for data in (envelope.data, reference.data))
        assert sorted(headers(fast)) == sorted(headers(full))
        assert fast["List-Unsubscribe"].strip() == full["List-Unsubscribe"].strip()  # folded or not
        assert bodies(fast) == bodies(full)
        assert [part.get("Content-Transfer-Encoding") for part in fast.walk()] == [
            part.get("Content-Transfer-Encoding") for part in full.walk()
        ]
        assert (envelope.from_email, envelope.recipients) == (reference.from_email, reference.recipients)
        assert fast["Date"] is not None and "fields.invalid" not in envelope.data.decode()
    assert all(group.data is not None for group in renderer._groups.values())  # every group took the bytes path


def test_render_once_fills_each_members_own_name_and_links(deliveries):
    """Against values written here, not by the code under test: the name as escaped HTML, the signed links."""
    from django.utils.html import escape

    offer, rows = deliveries
    renderer = OfferEmailRenderer(offer=offer)
    for delivery in rows:
        user = delivery.user
        name = user.display_name or user.email.split("@")[0]
        message = parsed(renderer.email_for(delivery))
        text, html = bodies(message)["text/plain"], bodies(message)["text/html"]
        assert name in text and escape(name) in html
        click = "https://clubs.example.com/offers/c/" + signing.dumps([delivery.pk], salt="offers.click", compress=True)
        unsubscribe = "https://clubs.example.com/offers/unsubscribe/" + signing.dumps(
            [offer.club_id, user.pk], salt="offers.unsubscribe", compress=True
        )
        assert f"{click}/" in text and f'href="{click}/"' in html
        assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}/>"
        assert message["Message-ID"] == f"<offer-{offer.pk}.delivery-{delivery.pk}@{emails.sending_domain()}>"
        assert "fields.invalid" not in text + html + str(message)


def test_render_once_renders_the_templates_once_per_language_and_time_zone(deliveries, monkeypatch):
    offer, rows = deliveries
    builds = []
    real_build = emails.email_build

    def counting_build(**kwargs):
        builds.append((kwargs["recipient"].language, kwargs["recipient"].time_zone))
        return real_build(**kwargs)

    monkeypatch.setattr(emails, "email_build", counting_build)
    renderer = OfferEmailRenderer(offer=offer)
    for delivery in rows:
        renderer.email_for(delivery)
    groups = {(d.user.preferred_language, d.user.time_zone) for d in rows}
    assert len(groups) == 12 and len(rows) == 24
    # Per group: the marked render plus the first member rendered in full to check it; nothing per member.
    assert len(builds) == 2 * len(groups)


def test_renderer_falls_back_to_the_full_render_when_a_group_email_would_differ(deliveries):
    offer, rows = deliveries

    def with_extra_header(**kwargs):
        message = offer_email(**kwargs)
        message.extra_headers["X-Member"] = kwargs["delivery"].user.email  # a per-member change it cannot see
        return message

    renderer = OfferEmailRenderer(offer=offer, render_one=with_extra_header)
    for delivery in rows[:6]:
        assert renderer.email_for(delivery).extra_headers["X-Member"] == delivery.user.email


def test_renderer_refuses_a_suppressed_address(deliveries):
    offer, rows = deliveries
    EmailSuppression.objects.create(email=rows[0].user.email, reason="bounced")
    renderer = OfferEmailRenderer(offer=offer)
    with pytest.raises(EmailSuppressed):
        renderer.email_for(rows[0])
    assert renderer.email_for(rows[1]).to == [rows[1].user.email]


@pytest.mark.parametrize(
    "address",
    [
        "member000001@bench.example",
        "A.B+tag@Example.COM",
        "o'brien/x=y?z^_`{|}~-#$%&*!@sub-1.example.org",
        "a@" + "b" * 63 + ".example",
        "a@" + "b" * 64 + ".example",  # a label IDNA refuses
        '"quoted local"@example.com',
        "Name <name@example.com>",
        "dots..twice@example.com",
        "-leading@-example.com",
        "jörg@müller.example",
        "no-at-sign",
    ],
)
def test_envelope_address_is_what_sanitize_address_gives(address):
    from django.core.mail.message import sanitize_address

    from offers.emails import envelope_address

    try:
        expected = sanitize_address(address, "utf-8")
    except ValueError:
        with pytest.raises(ValueError):
            envelope_address(address)
    else:
        assert envelope_address(address) == expected


def test_message_id_recorded_in_sql_is_the_one_in_the_email(deliveries):
    from django.db.models import F

    from offers.emails import delivery_message_id, delivery_message_id_sql

    offer, rows = deliveries
    OfferDelivery.objects.filter(pk__in=[row.pk for row in rows]).update(
        message_id=delivery_message_id_sql(offer_id=offer.pk)
    )
    recorded = dict(OfferDelivery.objects.filter(pk__in=[row.pk for row in rows]).values_list("pk", F("message_id")))
    assert recorded == {row.pk: f"<offer-{offer.pk}.delivery-{row.pk}@{emails.sending_domain()}>" for row in rows}
    assert recorded == {row.pk: delivery_message_id(row) for row in rows}
