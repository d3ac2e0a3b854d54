"""The offer email: personal, in the member's language, with one-click unsubscribe (RFC 8058)."""

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from offers.models import Offer, OfferDelivery
from offers.tokens import CLICK_SALT, OPEN_SALT, delivery_token, unsubscribe_token


def _domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "returnpath.local"


def delivery_message_id(delivery: OfferDelivery) -> str:
    """Stable per delivery: a resent copy would carry the same id, which mail clients fold into one."""
    return f"<offer-{delivery.offer_id}.delivery-{delivery.pk}@{_domain()}>"


def unsubscribe_url(*, club_id: int, user_id: int) -> str:
    return settings.SITE_URL + reverse("offers:unsubscribe", args=[unsubscribe_token(club_id=club_id, user_id=user_id)])


def offer_email(*, delivery: OfferDelivery, offer: Offer) -> EmailMultiAlternatives:
    user, club = delivery.user, offer.club
    unsubscribe = unsubscribe_url(club_id=club.pk, user_id=user.pk)
    context = {
        "user": user,
        "club": club,
        "offer": offer,
        "offer_url": settings.SITE_URL
        + reverse("offers:email-click", args=[delivery_token(delivery_id=delivery.pk, salt=CLICK_SALT)]),
        "open_pixel_url": settings.SITE_URL
        + reverse("offers:email-open", args=[delivery_token(delivery_id=delivery.pk, salt=OPEN_SALT)]),
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
