from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Stripe billing lands here (gateway, webhooks, local mirror of Stripe objects)."""

    name = "billing"
    verbose_name = _("Billing")
