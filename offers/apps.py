"""offers: member-only offers, their emails (with the weekly cap), redemptions and Stripe payments for them.

It imports core, members, clubs and billing; it adds current offers to club home (clubs/hooks.py) and
handles offer payments through billing's handler registry (offers/stripe_handlers.py).
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "offers"
    verbose_name = _("Offers")

    def ready(self) -> None:
        from offers import hooks, page_cache

        hooks.register()
        page_cache.register()  # its rows that member pages show (core/pagecache.py)
