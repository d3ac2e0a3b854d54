"""notifications: the bell, the notifications page, each kind's email preference and the daily digest.

It stands between clubs and events: events, feed, billing, offers and automations call
``notification_send`` after their own write; it imports only clubs, members and core.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")
