from celery import shared_task

from clubs.services import complimentary_memberships_expire


@shared_task
def expire_complimentary_memberships() -> int:
    return complimentary_memberships_expire()


@shared_task(acks_late=True)
def send_consent_confirmation(consent_id: int) -> bool:
    """The double opt-in email of a pending consent; nothing once it was confirmed or withdrawn."""
    from clubs.consent import consent_confirmation_send

    return consent_confirmation_send(consent_id=consent_id)
