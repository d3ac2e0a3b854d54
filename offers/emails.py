"""The offer email: personal, in the member's language, with one-click unsubscribe (RFC 8058).

``offer_email`` renders one member's email through the one pipeline (core/emails.py). A fan-out uses
``OfferEmailRenderer``: the same pipeline renders the email once per (language, time zone) with markers in
the member's fields, and each member's email is that text with the markers replaced (name, signed links,
Message-ID). The first member of each group is also rendered the ordinary way and compared: a template
that one day does more with a member's field than print it (a filter, a condition) is caught there, and
that group falls back to one full render per member.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from clubs.emails import branding_for
from core import emails
from core.tokens import token_make
from members.emails import preferences_url, recipient_for
from members.models import User
from offers.models import Offer, OfferDelivery
from offers.smtp import LEADING_DOT, Envelope, envelope_for

logger = logging.getLogger(__name__)

# Each link in an offer email is signed for its own purpose (core/tokens.py); a pixel token opens nothing else.
UNSUBSCRIBE_PURPOSE = "offers.unsubscribe"
OPEN_PURPOSE = "offers.open"
CLICK_PURPOSE = "offers.click"


def delivery_message_id(delivery: OfferDelivery) -> str:
    """Stable per delivery, on the sending domain: a resent copy would carry the same id, folded into one."""
    prefix, suffix = delivery_message_id_parts(offer_id=delivery.offer_id)
    return f"{prefix}{delivery.pk}{suffix}"


_PK_MARK = "\x00pk\x00"


def delivery_message_id_parts(*, offer_id: int) -> tuple[str, str]:
    """``delivery_message_id`` around the delivery's id: (before, after). Reading the sending domain parses
    DEFAULT_FROM_EMAIL, so a batch takes these once (``OfferEmailRenderer``) rather than twice per email."""
    prefix, _mark, suffix = emails.message_id(stable=f"offer-{offer_id}.delivery-{_PK_MARK}").partition(_PK_MARK)
    return prefix, suffix


def delivery_message_id_sql(*, offer_id: int) -> Concat:
    """``delivery_message_id`` as an expression of the row's id: one UPDATE records every Message-ID of a
    chunk at a constant cost, where a CASE with a branch per delivery cost the ORM ~2 ms per email to build."""
    prefix, suffix = delivery_message_id_parts(offer_id=offer_id)
    return Concat(Value(prefix), Cast("pk", output_field=CharField()), Value(suffix), output_field=CharField())


def unsubscribe_url(*, club_id: int, user_id: int) -> str:
    return settings.SITE_URL + reverse(
        "offers:unsubscribe", args=[token_make(purpose=UNSUBSCRIBE_PURPOSE, parts=[club_id, user_id])]
    )


def offer_email(*, delivery: OfferDelivery, offer: Offer, language: str = "") -> EmailMultiAlternatives:
    """The offer email through the one pipeline; raises core.emails.EmailSuppressed for a suppressed address.

    An unsaved delivery is a leader's preview or test (``offer_preview``): its link opens the offer itself and
    there is no pixel, so nothing is counted. ``language`` overrides the recipient's (a preview per language).
    """
    recipient = recipient_for(delivery.user)
    return _offer_email_build(
        recipient=replace(recipient, language=language) if language else recipient,
        branding=branding_for(offer.club),
        offer=offer,
        user=delivery.user,
        fields=member_fields(delivery=delivery, offer=offer),
    )


@dataclass(frozen=True)
class MemberFields:
    """What differs from one member's offer email to the next, given the language and the time zone."""

    name: str
    offer_url: str
    open_pixel_url: str
    unsubscribe_url: str
    message_id: str


def member_fields(
    *, delivery: OfferDelivery, offer: Offer, message_id_parts: tuple[str, str] | None = None
) -> MemberFields:
    """``message_id_parts``: ``delivery_message_id_parts`` of the offer, when the caller holds them already."""
    user, tracked = delivery.user, delivery.pk is not None
    if tracked and message_id_parts is not None:
        message_id = f"{message_id_parts[0]}{delivery.pk}{message_id_parts[1]}"
    else:
        message_id = delivery_message_id(delivery) if tracked else ""
    return MemberFields(
        name=user.public_name,
        offer_url=settings.SITE_URL
        + (
            reverse("offers:email-click", args=[token_make(purpose=CLICK_PURPOSE, parts=[delivery.pk])])
            if tracked
            else offer.get_absolute_url()
        ),
        open_pixel_url=settings.SITE_URL
        + reverse("offers:email-open", args=[token_make(purpose=OPEN_PURPOSE, parts=[delivery.pk])])
        if tracked
        else "",
        unsubscribe_url=unsubscribe_url(club_id=offer.club_id, user_id=user.pk),
        message_id=message_id,
    )


def _offer_email_build(
    *, recipient: emails.Recipient, branding: emails.Branding, offer: Offer, user: User, fields: MemberFields
) -> EmailMultiAlternatives:
    return emails.email_build(
        recipient=recipient,
        branding=branding,
        category=emails.OFFERS,
        subject_template="offers/email/offer_subject.txt",
        text_template="offers/email/offer.txt",
        html_template="offers/email/offer.html",
        context={
            "user": user,
            "club": offer.club,
            "offer": offer,
            "offer_url": fields.offer_url,
            "open_pixel_url": fields.open_pixel_url,
        },
        links=emails.Links(
            unsubscribe_url=fields.unsubscribe_url,
            preferences_url=preferences_url(category=emails.OFFERS),
            extra_headers={"Message-ID": fields.message_id} if fields.message_id else {},
        ),
    )


# Stand-ins for a member's fields while the group's email is rendered. Each holds "&", so an occurrence the
# template escaped ("&amp;") is told from one it printed as is, and each is replaced in kind. The links are
# absolute https addresses, as the pipeline requires of an unsubscribe link.
MARKERS = MemberFields(
    name="member-name-x5c1e&",
    offer_url="https://fields.invalid/offer?&",
    open_pixel_url="https://fields.invalid/open?&",
    unsubscribe_url="https://fields.invalid/unsubscribe?&",
    message_id="<member-message-id&@fields.invalid>",
)
MARKER_EMAIL = "member@fields.invalid"
MARKER_DATE = "member-date-x5c1e"
_FIELDS = ("name", "offer_url", "open_pixel_url", "unsubscribe_url", "message_id")


def _marker_forms() -> dict[str, tuple[str, bool]]:
    """Every form a marker takes in the rendered email -> (field, escaped?)."""
    forms = {}
    for name in _FIELDS:
        marker = getattr(MARKERS, name)
        forms[marker] = (name, False)
        forms[escape(marker)] = (name, True)
    return forms


_FORMS = _marker_forms()
_FORM_PATTERN = re.compile("|".join(re.escape(form) for form in sorted(_FORMS, key=len, reverse=True)))


def _fill(text: str, values: dict[str, str], escaped: dict[str, str]) -> str:
    """One pass over ``text``: a member's value is never searched for markers again."""

    def value(match: re.Match) -> str:
        name, is_escaped = _FORMS[match.group()]
        return escaped[name] if is_escaped else values[name]

    return _FORM_PATTERN.sub(value, text)


@dataclass(frozen=True)
class _GroupEmail:
    """One group's offer email with markers in the member's fields."""

    message: EmailMultiAlternatives

    def for_member(self, *, email: str, fields: MemberFields) -> EmailMultiAlternatives:
        values = {name: getattr(fields, name) for name in _FIELDS}
        # The pipeline shows the unsubscribe link as https (core.emails.https), in the header and the footer.
        values["unsubscribe_url"] = emails.https(fields.unsubscribe_url)
        escaped = {name: escape(value) for name, value in values.items()}
        template = self.message
        message = EmailMultiAlternatives(
            subject=_fill(template.subject, values, escaped),
            body=_fill(template.body, values, escaped),
            from_email=template.from_email,
            to=[email],
            reply_to=template.reply_to,
            headers={key: _fill(header, values, escaped) for key, header in template.extra_headers.items()},
        )
        for content, mimetype in template.alternatives:
            message.attach_alternative(_fill(content, values, escaped), mimetype)
        return message


_ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# An ASCII dot-atom address (RFC 5322) on a domain of LDH labels of 1 to 63 characters: sanitize_address returns
# it unchanged (tests/offers/test_render_once.py compares them), after ~1 ms of parsing it with the email package.
PLAIN_ADDRESS = re.compile(rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*@{_LABEL}(?:\.{_LABEL})*")


def envelope_address(email: str) -> str:
    """The SMTP recipient for ``email``, as ``sanitize_address(email, "utf-8")`` gives it (and raises)."""
    return email if PLAIN_ADDRESS.fullmatch(email) else sanitize_address(email, "utf-8")


LINE_LIMIT = 998  # RFC 5322; past it Django encodes the part quoted-printable, which the bytes path cannot fill
_BYTE_FORMS = {form.encode(): field for form, field in _FORMS.items()}
_BYTE_FORMS[MARKER_EMAIL.encode()] = ("email", False)
_BYTE_FORMS[MARKER_DATE.encode()] = ("date", False)
_BYTE_PATTERN = re.compile(b"|".join(re.escape(form) for form in sorted(_BYTE_FORMS, key=len, reverse=True)))


@dataclass(frozen=True)
class _GroupBytes:
    """One group's email serialised once, markers and all: a member's email is one pass of byte replacements.

    Only for what the serialisation leaves as it is: 7bit or 8bit parts (no quoted-printable or base64) and
    ASCII headers. Each member's values are checked against that (``fits``); one that does not fit gets the
    string path (``_GroupEmail``), which serialises that member's email in full.
    """

    data: bytes
    from_email: str
    seven_bit: bool  # a part declared 7bit: a member's non-ASCII name would need 8bit there
    boundary: bytes
    marked_lines: tuple[tuple[int, tuple[tuple[bytes, int], ...]], ...]  # (length, ((marker form, count), ...))

    @classmethod
    def build(cls, group: "_GroupEmail") -> "_GroupBytes | None":
        template = group.message
        message = EmailMultiAlternatives(
            subject=template.subject,
            body=template.body,
            from_email=template.from_email,
            to=[MARKER_EMAIL],
            reply_to=template.reply_to,
            headers={**template.extra_headers, "Date": MARKER_DATE},
        )
        message.alternatives = list(template.alternatives)
        envelope = envelope_for(message)
        data = envelope.data
        encodings = re.findall(rb"(?im)^Content-Transfer-Encoding:\s*(\S+)", data)
        if any(encoding.lower() not in (b"7bit", b"8bit") for encoding in encodings):
            return None
        found = _BYTE_PATTERN.findall(data)
        strings = [template.subject, template.body, *(content for content, _m in template.alternatives)]
        strings += list(template.extra_headers.values())
        expected = sorted(form.encode() for text in strings for form in _FORM_PATTERN.findall(text))
        expected += [MARKER_EMAIL.encode(), MARKER_DATE.encode()]
        if sorted(found) != sorted(expected):
            return None  # the serialisation changed a marker (encoded it, folded it): not for this group
        boundary = re.search(rb'boundary="([^"]+)"', data)
        marked_lines = []
        for line in data.split(b"\r\n"):
            forms = _BYTE_PATTERN.findall(line)
            if forms:
                marked_lines.append((len(line), tuple((form, forms.count(form)) for form in set(forms))))
        return cls(
            data=data,
            from_email=envelope.from_email,
            seven_bit=any(encoding.lower() == b"7bit" for encoding in encodings),
            boundary=boundary.group(1) if boundary else b"\x00",
            marked_lines=tuple(marked_lines),
        )

    def for_member(self, *, email: str, fields: MemberFields) -> Envelope | None:
        """The member's email as SMTP carries it, or None when a value does not fit the bytes path."""
        if not email.isascii():
            return None
        values = {name: getattr(fields, name) for name in _FIELDS}
        values["unsubscribe_url"] = emails.https(fields.unsubscribe_url)
        raw = {name: value.encode() for name, value in values.items()}
        escaped = {name: escape(value).encode() for name, value in values.items()}
        raw["email"], escaped["email"] = email.encode(), email.encode()
        raw["date"] = escaped["date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode()
        if any(not value.isascii() for name, value in raw.items() if name != "name"):
            return None  # a header would need encoding
        if self.seven_bit and not raw["name"].isascii():
            return None
        filled = {}
        for form, (name, is_escaped) in _BYTE_FORMS.items():
            filled[form] = escaped[name] if is_escaped else raw[name]
            if self.boundary in filled[form] or b"\r" in filled[form] or b"\n" in filled[form]:
                return None
        for length, forms in self.marked_lines:
            if length + sum(count * (len(filled[form]) - len(form)) for form, count in forms) > LINE_LIMIT:
                return None  # Django would encode that part quoted-printable

        data = LEADING_DOT.sub(b"..", _BYTE_PATTERN.sub(lambda match: filled[match.group()], self.data))
        return Envelope(from_email=self.from_email, recipients=[envelope_address(email)], data=data)


def _same_email(one: EmailMultiAlternatives, other: EmailMultiAlternatives) -> bool:
    def parts(message):
        return (
            message.subject,
            message.body,
            [tuple(alternative) for alternative in message.alternatives],
            message.extra_headers,
            message.from_email,
            message.to,
            message.cc,
            message.bcc,
            message.reply_to,
            message.attachments,
        )

    return parts(one) == parts(other)


def _parsed_meaning(data: bytes) -> tuple:
    """What a mail client reads from ``data``: headers but the Date, each part's headers and decoded content."""
    message = message_from_bytes(data, policy=policy.default)

    def headers(part) -> list[tuple[str, str]]:
        return sorted(
            (name, re.sub(r'boundary="[^"]*"', "", str(value)).strip())  # folding whitespace means nothing
            for name, value in part.items()
            if name != "Date"
        )

    leaves = [(headers(part), part.get_content()) for part in message.walk() if not part.is_multipart()]
    return headers(message), leaves


@dataclass
class _Group:
    email: _GroupEmail
    data: _GroupBytes | None  # None: this group's members are serialised one by one (string path)
    data_checked: bool = False  # the bytes path was compared with a full render of a member


class OfferEmailRenderer:
    """The offer email for many members of one offer: rendered once per (language, time zone), then filled.

    Gives exactly what ``offer_email`` gives for each delivery (tests/offers/test_render_once.py parses both
    back and compares them), at a fraction of the cost: a member's email is a few replacements, in the
    serialised bytes (``envelope_for``) or in the strings (``email_for``, for mail backends without SMTP).
    Raises core.emails.EmailSuppressed for a suppressed address, as the pipeline does; a fan-out asks about a
    whole chunk first (``suppressed_among``), one query instead of one per email.
    """

    def __init__(self, *, offer: Offer, render_one: Callable[..., EmailMultiAlternatives] = offer_email):
        """``render_one(delivery=, offer=)`` is the per-member render to reproduce, and to fall back on."""
        self.offer = offer
        self.render_one = render_one
        self.branding = branding_for(offer.club)
        self._groups: dict[tuple[str, str], _Group | None] = {}  # None: render each member in full
        self._cleared: frozenset[str] = frozenset()  # addresses the last ``suppressed_among`` found not suppressed
        self._message_id_parts = delivery_message_id_parts(offer_id=offer.pk)

    def _fields(self, delivery: OfferDelivery) -> MemberFields:
        return member_fields(delivery=delivery, offer=self.offer, message_id_parts=self._message_id_parts)

    def suppressed_among(self, deliveries: list[OfferDelivery]) -> set[str]:
        """Ask the suppression check once for many members (a chunk): the suppressed addresses among them.

        The others count as checked until the next call, so building their emails asks nothing more; an
        address this call did not see is still checked on its own. One question per chunk, not per email.
        """
        addresses = {delivery.user.email for delivery in deliveries}
        blocked = emails.emails_blocked(addresses)
        self._cleared = frozenset(addresses - blocked)
        return blocked

    def _group_for(self, delivery: OfferDelivery) -> tuple[emails.Recipient, _Group | None]:
        user = delivery.user
        if user.email not in self._cleared and emails.email_is_blocked(user.email):
            raise emails.EmailSuppressed(_("This address is suppressed: it bounced, complained or unsubscribed."))
        recipient = recipient_for(user)
        key = (recipient.language, recipient.time_zone)
        if key not in self._groups:
            self._groups[key] = self._group_prepare(recipient=recipient, delivery=delivery)
        return recipient, self._groups[key]

    def email_for(self, delivery: OfferDelivery) -> EmailMultiAlternatives:
        recipient, group = self._group_for(delivery)
        if group is None:
            return self.render_one(delivery=delivery, offer=self.offer)
        return group.email.for_member(email=recipient.email, fields=self._fields(delivery))

    def envelope_for(self, delivery: OfferDelivery) -> Envelope:
        """The member's email as SMTP carries it; raises ValueError like ``offers.smtp.envelope_for``."""
        recipient, group = self._group_for(delivery)
        if group is None:
            return envelope_for(self.render_one(delivery=delivery, offer=self.offer))
        fields = self._fields(delivery)
        if group.data is not None:
            envelope = group.data.for_member(email=recipient.email, fields=fields)
            if envelope is not None and not group.data_checked:
                # The first member that fits the bytes path is also serialised in full and compared.
                group.data_checked = True
                reference = envelope_for(group.email.for_member(email=recipient.email, fields=fields))
                if _parsed_meaning(envelope.data) != _parsed_meaning(reference.data):
                    logger.warning("Offer %s: the filled bytes differ from a full render; not filling.", self.offer.pk)
                    group.data = None
                    return reference
            if envelope is not None:
                return envelope
        return envelope_for(group.email.for_member(email=recipient.email, fields=fields))

    def _group_prepare(self, *, recipient: emails.Recipient, delivery: OfferDelivery) -> _Group | None:
        stand_in = User(
            pk=delivery.user.pk,
            email=MARKER_EMAIL,
            display_name=MARKERS.name,
            preferred_language=recipient.language,
            time_zone=recipient.time_zone,
        )
        group = _GroupEmail(
            message=_offer_email_build(
                recipient=replace(recipient, email=MARKER_EMAIL, display_name=MARKERS.name),
                branding=self.branding,
                offer=self.offer,
                user=stand_in,
                fields=MARKERS,
            )
        )
        # Signed links carry the second they were made: a second that turns between the two renders is no
        # difference, so a mismatch is checked twice before the group gives up rendering once.
        for _attempt in range(2):
            fields = self._fields(delivery)
            reference = self.render_one(delivery=delivery, offer=self.offer)
            if not _same_email(group.for_member(email=recipient.email, fields=fields), reference):
                continue
            return _Group(email=group, data=_GroupBytes.build(group))
        logger.warning(
            "Offer %s: the email for (%s, %s) differs when rendered once; rendering it per member.",
            self.offer.pk,
            recipient.language,
            recipient.time_zone,
        )
        return None


def offer_preview(*, offer: Offer, leader, language: str) -> EmailMultiAlternatives:
    """The offer email as members would get it, in ``language``, addressed to the leader (nothing is stored)."""
    return offer_email(delivery=OfferDelivery(offer=offer, user=leader), offer=offer, language=language)
