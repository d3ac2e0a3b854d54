"""privacy: a member's own data. Export (a ZIP of everything the site holds about them), erasure of the account,
and the page where they give or withdraw consent to each club's emails.

It stands at the top of the apps (below devtools and config): it reads every app's rows about one person, and no
app imports it. Consent itself lives in clubs (clubs/consent.py), because offers and automations must read it.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")
