from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """See core/__init__.py: the bottom layer every app shares; it imports no app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("Audit log")
