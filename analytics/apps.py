"""analytics: retention, churn, MRR, LTV, NPS and engagement dashboards for leaders and staff, and their CSVs.

It stands on top and may import every app below it; nothing imports analytics.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from analytics import signals  # noqa: F401  (connects the price ledger to billing's subscriptions)
