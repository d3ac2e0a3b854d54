"""The offer email: personal, in the member's language, with one-click unsubscribe (RFC 8058)."""

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.tokens import token_make
from offers.models import Offer, OfferDelivery

# Each link in an offer email is signed for its own purpose (core/tokens.py); a pixel token opens nothing else.
UNSUBSCRIBE_PURPOSE = "offers.unsubscribe"
OPEN_PURPOSE = "offers.open"
CLICK_PURPOSE = "offers.click"


def _domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "returnpath.local"


def delivery_message_id(delivery: OfferDelivery) -> str:
    """Stable per delivery: a resent copy would carry the same id, which mail clients fold into one."""
    return f"<offer-{delivery.offer_id}.delivery-{delivery.pk}@{_domain()}>"


def unsubscribe_url(*, club_id: int, user_id: int) -> str:
    return settings.SITE_URL + reverse(
        "offers:unsubscribe", args=[token_make(purpose=UNSUBSCRIBE_PURPOSE, parts=[club_id, user_id])]
    )


def offer_email(*, delivery: OfferDelivery, offer: Offer) -> EmailMultiAlternatives:
    user, club = delivery.user, offer.club
    unsubscribe = unsubscribe_url(club_id=club.pk, user_id=user.pk)
    context = {
        "user": user,
        "club": club,
        "offer": offer,
        "offer_url": settings.SITE_URL
        + reverse("offers:email-click", args=[token_make(purpose=CLICK_PURPOSE, parts=[delivery.pk])]),
        "open_pixel_url": settings.SITE_URL
        + reverse("offers:email-open", args=[token_make(purpose=OPEN_PURPOSE, parts=[delivery.pk])]),
        "unsubscribe_url": unsubscribe,
        "preferences_url": settings.SITE_URL + reverse("members:profile"),
    }
    with translation.override(user.preferred_language or club.default_language), timezone.override(user.time_zone):
        subject = render_to_string("offers/email/offer_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("offers/email/offer.txt", context),
            to=[user.email],
            headers={
                "Message-ID": delivery_message_id(delivery),
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"{club.name} offers <offers.{club.slug}.{_domain()}>",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(render_to_string("offers/email/offer.html", context), "text/html")
    return message
