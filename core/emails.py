"""The one member-email pipeline: every email the site sends to a person is built and sent here.

core knows no app, so it takes plain inputs and the apps adapt their objects to them
(``members.emails.recipient_for``, ``clubs.emails.branding_for``):

- ``Recipient``: address, language, time zone, display name (and the user id, for signed links);
- ``Branding``: the club's name, From name, Reply-To, logo URL, colour and postal address;
- a category: ``TRANSACTIONAL`` (account, payment, receipts, the member's own RSVPs) or one of the
  non-transactional kinds in ``BULK_CATEGORIES`` (offers, automations, digest, NPS, announcements).

What it guarantees for every email, whoever calls it:
- rendered in the recipient's language and time zone (translation.override / timezone.override);
- the subject as plain text on one line (rendered with autoescape off, line breaks folded: core/text.py);
- From "<club> <DEFAULT_FROM_EMAIL's address>", Reply-To the club's, a Message-ID on the sending domain
  (``make_msgid(domain=...)``; Django's default would use the host name, often ``localhost``),
  ``Auto-Submitted: auto-generated`` and ``X-Returnpath-Category``;
- for non-transactional emails: ``List-Unsubscribe`` (always https, plus a mailto when
  EMAIL_UNSUBSCRIBE_MAILTO is set), ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058),
  a per-category preference link in the footer, and no email at all to a suppressed address
  (the check members registers in ``MembersConfig.ready()``, see ``suppression_check_register``; a fan-out
  asks it once per chunk through ``emails_blocked``);
- an HTML part on the shared layout (templates/emails/_layout.html) and a text part that says the same,
  both with the footer: the club's postal address and the reason the member gets the email.
"""

import ipaddress
import logging
import zoneinfo
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.text import single_line

logger = logging.getLogger(__name__)

TRANSACTIONAL = "transactional"
OFFERS = "offers"
AUTOMATIONS = "automations"
DIGEST = "digest"
NPS = "nps"
ANNOUNCEMENTS = "announcements"
NOTIFICATIONS = "notifications"
# Every kind a member may turn off: each carries List-Unsubscribe and stops at a suppressed address.
BULK_CATEGORIES = (OFFERS, AUTOMATIONS, DIGEST, NPS, ANNOUNCEMENTS, NOTIFICATIONS)
CATEGORIES = (TRANSACTIONAL, *BULK_CATEGORIES)

# Domains no mailbox lives on (RFC 2606, RFC 6761, RFC 6762): mail From them is rejected or lost.
SPECIAL_USE_SUFFIXES = ("local", "example", "test", "invalid", "localhost", "example.com", "example.net", "example.org")


class EmailSuppressed(DomainError):
    """The address bounced, complained or unsubscribed at the provider: no non-transactional email goes to it."""


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str = ""
    time_zone: str = "UTC"
    display_name: str = ""
    user_id: int | None = None


@dataclass(frozen=True)
class Branding:
    """Who the email is from. ``name`` heads the layout; ``from_name`` is the From header's name."""

    name: str
    from_name: str = ""
    reply_to: str = ""
    logo_url: str = ""
    colour: str = ""
    postal_address: str = ""
    default_language: str = ""
    list_slug: str = ""
    home_url: str = ""


@dataclass
class Links:
    """Where a member unsubscribes from this kind (one-click endpoint) and sets all preferences."""

    unsubscribe_url: str = ""
    preferences_url: str = ""
    extra_headers: dict = field(default_factory=dict)


# --- Suppression: members fills this in MembersConfig.ready() -----------------------------------------

_suppression_checks: list[Callable[[str], bool]] = []
# The bulk form of a registered check (``addresses -> the suppressed ones``): a fan-out asks once per chunk of
# members instead of once per email. A check registered without one is asked address by address.
_suppression_bulk_forms: dict[Callable[[str], bool], Callable[[Collection[str]], set[str]]] = {}


def suppression_check_register(
    check: Callable[[str], bool], *, bulk: Callable[[Collection[str]], set[str]] | None = None
) -> None:
    """Add a check ``address -> suppressed?``; run before every non-transactional email.

    ``bulk`` is the same rule for many addresses at once (``addresses -> the suppressed ones``, each returned
    as it was given): ``emails_blocked`` uses it, so both forms must agree.
    """
    if check not in _suppression_checks:
        _suppression_checks.append(check)
    if bulk is not None:
        _suppression_bulk_forms[check] = bulk


def emails_blocked(addresses: Collection[str]) -> set[str]:
    """The given addresses that must get no non-transactional email: one question per check for all of them."""
    addresses = set(addresses)
    blocked: set[str] = set()
    for check in _suppression_checks:
        remaining = addresses - blocked
        if not remaining:
            break
        bulk = _suppression_bulk_forms.get(check)
        if bulk is not None:
            blocked |= set(bulk(remaining)) & remaining
        else:
            blocked |= {address for address in remaining if check(address)}
    return blocked


def email_is_blocked(address: str) -> bool:
    return any(check(address) for check in _suppression_checks)


# --- Settings-derived parts ---------------------------------------------------------------------------


def is_special_use_domain(domain: str) -> bool:
    domain = domain.strip().rstrip(".").lower()
    if not domain:
        return True
    try:
        ipaddress.ip_address(domain.strip("[]"))
        return True  # an address literal is no domain a receiver can check SPF or DKIM for
    except ValueError:
        pass
    return any(domain == suffix or domain.endswith("." + suffix) for suffix in SPECIAL_USE_SUFFIXES)


def sender_address() -> str:
    """The bare address of DEFAULT_FROM_EMAIL (its name is replaced by the club's)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def sending_domain() -> str:
    """The domain of Message-IDs: EMAIL_MESSAGE_ID_DOMAIN, else the From address's, else SITE_URL's host."""
    configured = getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "")
    if configured:
        return configured
    domain = sender_address().rpartition("@")[2].lower()
    if domain and domain != "localhost":
        return domain
    host = (urlsplit(settings.SITE_URL).hostname or "").lower()
    return host if host and host != "localhost" else "returnpath.invalid"


def message_id(*, stable: str = "") -> str:
    """``<...@sending-domain>``; with ``stable``, the same id every time (a resent copy folds into one)."""
    if stable:
        return f"<{stable}@{sending_domain()}>"
    return make_msgid(domain=sending_domain())


def https(url: str) -> str:
    """The same link on https: mailbox providers act only on https one-click links (RFC 8058, Gmail, Yahoo).

    The one exception is a local development server (DEBUG on, plain http ``SITE_URL``): it speaks no https,
    and its outbox's links must work. Production cannot run that way (``check --deploy`` requires https).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"An unsubscribe link must be an absolute web address, not {url!r}.")
    if settings.DEBUG and urlsplit(settings.SITE_URL).scheme == "http":
        return url
    return urlunsplit(("https", *parts[1:]))


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def site_branding() -> Branding:
    """The site itself as sender: account emails, and a digest that spans clubs."""
    return Branding(name=settings.SITE_NAME, from_name=settings.SITE_NAME, home_url=site_url("/"), list_slug="site")


# --- The footer's reason --------------------------------------------------------------------------------


def reason_text(*, category: str, club_name: str) -> str:
    """Why this person gets this email, in the active language (the footer of both parts)."""
    reasons = {
        TRANSACTIONAL: _("You get this email because of your account or membership at %(club)s."),
        OFFERS: _("You get this email because you are a member of %(club)s and receive its member offers."),
        AUTOMATIONS: _("You get this email because you are a member of %(club)s and receive its club news."),
        DIGEST: _("You get this email because you asked for a digest of cheers and comments on your posts."),
        NPS: _("You get this email because you are a member of %(club)s, which asks its members for feedback."),
        ANNOUNCEMENTS: _("You get this email because you are a member of %(club)s and receive its announcements."),
        NOTIFICATIONS: _("You get this email because you asked to hear about this kind of notification by email."),
    }
    return reasons[category] % {"club": club_name}


# --- Building ------------------------------------------------------------------------------------------


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _render_plain(template_name: str, context: dict) -> str:
    """A subject template as plain text: autoescape off, so "Tea & Cake" never becomes "Tea &amp; Cake"."""
    template = get_template(template_name)
    engine_template = getattr(template, "template", None)
    if engine_template is None:  # not the Django template language: its own rendering
        return template.render(context)
    return engine_template.render(Context(context, autoescape=False))


def _check(category: str, links: Links) -> None:
    if category not in CATEGORIES:
        raise ValueError(f"Unknown email category {category!r}; one of {', '.join(CATEGORIES)}.")
    if category != TRANSACTIONAL and not (links.unsubscribe_url and links.preferences_url):
        raise ValueError(f"A {category} email needs an unsubscribe link and a preference link.")


def headers_apply(
    message: EmailMessage, *, recipient: Recipient, branding: Branding, category: str, links: Links | None = None
) -> EmailMessage:
    """From, Reply-To and the headers every email carries; the unsubscribe headers for non-transactional ones.

    Also used on messages another library built (allauth's account emails, members/adapters.py).
    """
    links = links or Links()
    _check(category, links)
    message.from_email = formataddr((single_line(branding.from_name or branding.name), sender_address()))
    if branding.reply_to:
        message.reply_to = [branding.reply_to]
    headers = {
        "Message-ID": message_id(),
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "X-Returnpath-Category": category,
    }
    if category != TRANSACTIONAL:
        targets = [f"<{https(links.unsubscribe_url)}>"]
        mailto = getattr(settings, "EMAIL_UNSUBSCRIBE_MAILTO", "")
        if mailto:
            targets.append(f"<mailto:{mailto}?subject=unsubscribe>")
        headers["List-Unsubscribe"] = ", ".join(targets)
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        if branding.list_slug:
            # The sender's own name (not the one in the recipient's language): one list, one List-Id.
            list_name = single_line(branding.from_name or branding.name)
            headers["List-Id"] = f"{list_name} {category} <{category}.{branding.list_slug}.{sending_domain()}>"
    headers.update(links.extra_headers)
    message.extra_headers = {**message.extra_headers, **headers}
    return message


def layout_apply(
    message: EmailMultiAlternatives, *, recipient: Recipient, branding: Branding, category: str, reason: str = ""
) -> EmailMultiAlternatives:
    """Give a plain-text message another library built (allauth) the same footer and an HTML part on the layout.

    Call inside the recipient's language. The HTML part says what the text says: the text, links made
    clickable, on the shared layout (templates/emails/_layout.html).
    """
    if message.content_subtype == "html" or any(mimetype == "text/html" for _c, mimetype in message.alternatives):
        return message
    email_context = {
        "recipient": recipient,
        "branding": branding,
        "category": category,
        "is_transactional": category == TRANSACTIONAL,
        "reason": reason or reason_text(category=category, club_name=branding.name),
        "subject": single_line(message.subject),
        "language": translation.get_language(),
        "rtl": translation.get_language_bidi(),
    }
    context = {"email": email_context, "body": message.body.strip()}
    message.body = message.body.strip() + "\n\n-- \n" + render_to_string("emails/_footer.txt", context)
    message.attach_alternative(render_to_string("emails/text_as_html.html", context), "text/html")
    return message


def email_build(
    *,
    recipient: Recipient,
    branding: Branding,
    category: str,
    text_template: str,
    html_template: str,
    context: dict,
    subject_template: str = "",
    subject: str | Callable[[], str] = "",
    links: Links | None = None,
    reason: str | Callable[[], str] = "",
) -> EmailMultiAlternatives:
    """The whole email, in the recipient's language and time zone; raises EmailSuppressed when it must not go.

    ``subject`` and ``reason`` may be callables, called inside the recipient's language (gettext with
    placeholders must run there, not in the caller's language).
    """
    links = links or Links()
    _check(category, links)
    if category != TRANSACTIONAL and email_is_blocked(recipient.email):
        raise EmailSuppressed(_("This address is suppressed: it bounced, complained or unsubscribed."))
    language = recipient.language or branding.default_language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(_zone(recipient.time_zone)):
        email_context = {
            "recipient": recipient,
            "branding": branding,
            "category": category,
            "is_transactional": category == TRANSACTIONAL,
            "reason": (reason() if callable(reason) else reason)
            or reason_text(category=category, club_name=branding.name),
            # The visible link is the header's one: https, whatever SITE_URL says (core/checks.py refuses http).
            "unsubscribe_url": https(links.unsubscribe_url) if links.unsubscribe_url else "",
            "preferences_url": links.preferences_url,
            "language": translation.get_language(),
            "rtl": translation.get_language_bidi(),
        }
        full = {**context, "email": email_context}
        if subject_template:
            subject_text = _render_plain(subject_template, full)
        else:
            subject_text = subject() if callable(subject) else str(subject)
        subject_text = single_line(subject_text)
        email_context["subject"] = subject_text
        text = (
            render_to_string(text_template, full).strip() + "\n\n-- \n" + render_to_string("emails/_footer.txt", full)
        )
        html = render_to_string(html_template, full)
    message = EmailMultiAlternatives(subject=subject_text, body=text, to=[recipient.email])
    message.attach_alternative(html, "text/html")
    return headers_apply(message, recipient=recipient, branding=branding, category=category, links=links)


def email_send(**kwargs) -> bool:
    """Build and send; False (and nothing sent) when the address is suppressed. Arguments as email_build."""
    try:
        message = email_build(**kwargs)
    except EmailSuppressed:
        logger.info("Email (%s) not sent: the address is suppressed.", kwargs.get("category"))
        return False
    message.send()
    return True
