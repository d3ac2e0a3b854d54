from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """See core/__init__.py: the bottom layer every app shares; it imports no app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("Audit log")

    def ready(self):
        from core import checks  # noqa: F401 (registers the deploy checks)
        from core.dates import admin_date_bounds_install
        from core.formatting import blocktranslate_numbers_install

        admin_date_bounds_install()  # every admin date input bounded (no OverflowError near 0001 or 9999)
        blocktranslate_numbers_install()  # plural counts in blocktranslate in the language's digits
