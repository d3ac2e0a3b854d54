"""The offer email: personal, in the member's language, with one-click unsubscribe (RFC 8058)."""

from dataclasses import replace

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from clubs.emails import branding_for
from core import emails
from core.tokens import token_make
from members.emails import preferences_url, recipient_for
from offers.models import Offer, OfferDelivery

# Each link in an offer email is signed for its own purpose (core/tokens.py); a pixel token opens nothing else.
UNSUBSCRIBE_PURPOSE = "offers.unsubscribe"
OPEN_PURPOSE = "offers.open"
CLICK_PURPOSE = "offers.click"


def delivery_message_id(delivery: OfferDelivery) -> str:
    """Stable per delivery, on the sending domain: a resent copy would carry the same id, folded into one."""
    return emails.message_id(stable=f"offer-{delivery.offer_id}.delivery-{delivery.pk}")


def unsubscribe_url(*, club_id: int, user_id: int) -> str:
    return settings.SITE_URL + reverse(
        "offers:unsubscribe", args=[token_make(purpose=UNSUBSCRIBE_PURPOSE, parts=[club_id, user_id])]
    )


def offer_email(*, delivery: OfferDelivery, offer: Offer, language: str = "") -> EmailMultiAlternatives:
    """The offer email through the one pipeline; raises core.emails.EmailSuppressed for a suppressed address.

    An unsaved delivery is a leader's preview or test (``offer_preview``): its link opens the offer itself and
    there is no pixel, so nothing is counted. ``language`` overrides the recipient's (a preview per language).
    """
    user, club = delivery.user, offer.club
    tracked = delivery.pk is not None
    context = {
        "user": user,
        "club": club,
        "offer": offer,
        "offer_url": settings.SITE_URL
        + (
            reverse("offers:email-click", args=[token_make(purpose=CLICK_PURPOSE, parts=[delivery.pk])])
            if tracked
            else offer.get_absolute_url()
        ),
        "open_pixel_url": settings.SITE_URL
        + reverse("offers:email-open", args=[token_make(purpose=OPEN_PURPOSE, parts=[delivery.pk])])
        if tracked
        else "",
    }
    recipient = recipient_for(user)
    return emails.email_build(
        recipient=replace(recipient, language=language) if language else recipient,
        branding=branding_for(club),
        category=emails.OFFERS,
        subject_template="offers/email/offer_subject.txt",
        text_template="offers/email/offer.txt",
        html_template="offers/email/offer.html",
        context=context,
        links=emails.Links(
            unsubscribe_url=unsubscribe_url(club_id=club.pk, user_id=user.pk),
            preferences_url=preferences_url(category=emails.OFFERS),
            extra_headers={"Message-ID": delivery_message_id(delivery)} if tracked else {},
        ),
    )


def offer_preview(*, offer: Offer, leader, language: str) -> EmailMultiAlternatives:
    """The offer email as members would get it, in ``language``, addressed to the leader (nothing is stored)."""
    return offer_email(delivery=OfferDelivery(offer=offer, user=leader), offer=offer, language=language)
