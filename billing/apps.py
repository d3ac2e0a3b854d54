"""billing: Stripe (the one gateway), the local mirror of Stripe objects, webhooks and the member billing pages.

It imports core, members and clubs. Apps above it react to Stripe events through the handler registry
(``billing/handlers.py``) and to checkout through ``billing/hooks.py``; billing never imports them.
"""

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Stripe billing lands here (gateway, webhooks, local mirror of Stripe objects)."""

    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        # billing's own handlers first, then each installed app's ``stripe_handlers`` module, in
        # INSTALLED_APPS order: the order in which an event's handlers run.
        from billing import growth_handlers, growth_tasks, handlers, hooks  # noqa: F401
        from billing.membership_pause import pause_annotate
        from billing.services.pause import paused_without_access
        from billing.services.subscriptions import paid_subscription_describe, paid_subscription_stop
        from clubs.hooks import register_paid_access
        from clubs.membership_pause import register_pause_annotation
        from clubs.models import register_access_exclusion

        # Complimentary access is never given on top of a subscription that still charges the member.
        register_paid_access(describe=paid_subscription_describe, stop=paid_subscription_stop)
        # A paused member has no access unless the club lets paused members keep it (billing/services/pause.py).
        register_access_exclusion(paused_without_access)
        # Its status badge says "Paused until ..." rather than "Active" (clubs/membership_pause.py).
        register_pause_annotation(pause_annotate)

        autodiscover_modules("stripe_handlers")
