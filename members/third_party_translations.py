"""Strings of Django's admin and django-allauth that their own catalogs lack or get wrong for ar, de or fa.

Listed here (never imported) so ``makemessages`` keeps them in locale/, whose catalogs take precedence over
the packages' own: Django's Persian admin lacks "Model name" and "Breadcrumbs", and allauth's Arabic
catalog renders "MFA" as the Ministry of Foreign Affairs.
"""

from django.utils.translation import gettext_noop

THIRD_PARTY_STRINGS = [
    gettext_noop("Model name"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("MFA"),
]
