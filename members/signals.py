"""The email provider's tracking webhooks (django-anymail) suppress addresses that bounce or complain."""

import logging

from anymail.signals import tracking
from django.dispatch import receiver

from members.models import SuppressionReason
from members.services import email_suppress

logger = logging.getLogger(__name__)

# A soft bounce arrives as "deferred" and is retried by the provider; these are final.
SUPPRESSING_EVENTS = {
    "bounced": SuppressionReason.BOUNCED,
    "complained": SuppressionReason.COMPLAINED,
    "unsubscribed": SuppressionReason.UNSUBSCRIBED,
}
# "rejected" also covers policy refusals (e.g. a sending quota); only these mean the address is bad.
SUPPRESSING_REJECT_REASONS = {"bounced", "invalid", "spam"}


@receiver(tracking, dispatch_uid="members.suppress_on_bounce_or_complaint")
def suppress_on_bounce_or_complaint(sender, event, esp_name, **kwargs):
    reason = SUPPRESSING_EVENTS.get(event.event_type)
    if reason is None and event.event_type == "rejected" and event.reject_reason in SUPPRESSING_REJECT_REASONS:
        reason = SuppressionReason.REJECTED
    if reason is None or not event.recipient:
        return
    email_suppress(
        email=event.recipient,
        reason=reason,
        provider=esp_name or "",
        event_id=event.event_id or "",
        description=event.description or event.mta_response or "",
    )
    logger.info("email suppressed after %s from %s", event.event_type, esp_name, extra={"reason": reason})
