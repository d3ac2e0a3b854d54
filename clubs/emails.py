"""clubs' side of the email pipeline (core/emails.py): a club as the sender and brand of its emails."""

import re

from django.conf import settings
from django.urls import reverse
from django.utils.functional import lazy

from clubs.models import Club
from core import emails

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}\Z")


def branding_for(club: Club) -> emails.Branding:
    """The club's name (also the From name), Reply-To, logo, colour and postal address.

    The colour is checked again here (the form validates it too): it is written into the layout's CSS.
    ``name`` is read when the email renders, inside the recipient's language (core/emails.py), so it is the
    club's name in that language when the club gives one (clubs/texts.py); the From name stays the club's own.
    """
    colour = club.brand_colour if COLOUR.match(club.brand_colour or "") else ""
    logo = club.email_logo_url if (club.email_logo_url or "").startswith("https://") else ""
    return emails.Branding(
        name=lazy(lambda: club.local_name, str)(),
        from_name=club.name,
        reply_to=club.reply_to_email,
        logo_url=logo,
        colour=colour,
        postal_address=club.postal_address,
        default_language=club.default_language,
        list_slug=club.slug,
        home_url=emails.site_url(reverse("clubs:club-detail", args=[club.slug])),
    )


def preview_languages(club: Club) -> list[str]:
    """The languages the club's emails go out in: its default, then each one members with access prefer."""
    known = dict(settings.LANGUAGES)
    default = club.default_language or settings.LANGUAGE_CODE
    preferred = (
        club.memberships.with_access()
        .exclude(user__preferred_language="")
        .values_list("user__preferred_language", flat=True)
        .distinct()
    )
    languages = [default, *sorted(set(preferred) - {default})]
    return [language for language in languages if language in known]
