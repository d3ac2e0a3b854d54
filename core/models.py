"""The staff audit trail: who changed what, when, with the state before and after (after pretix's log_action)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffAction(models.Model):
    """Who did what (billing, memberships, clubs, people), and when, with the state before and after.

    Moved here from billing (migration billing 0005): rows kept their ids and timestamps.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("staff")
    )
    action = models.CharField(_("action"), max_length=80)
    target = models.CharField(_("object"), max_length=255)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("staff action")
        verbose_name_plural = _("staff actions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.target}"
