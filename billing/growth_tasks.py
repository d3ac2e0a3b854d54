"""Thin Celery wrappers for pause and gifts: take ids, call a service, safe to run twice (beat: config/settings)."""

from celery import shared_task

from billing.services import gifts, pause


@shared_task
def send_gift_email(gift_pk: int) -> bool:
    return gifts.gift_email_send(gift_pk=gift_pk)


@shared_task
def send_gift_invites() -> int:
    """Daily: invite recipients whose gift ends within a week to subscribe (each once)."""
    return sum(gifts.gift_invite_send(gift_pk=pk) for pk in gifts.gift_invites_due())


@shared_task
def send_pause_reminders() -> int:
    """Daily: remind members whose pause ends within a week (once per pause)."""
    return sum(pause.pause_reminder_send(subscription_pk=pk) for pk in pause.pause_reminders_due())


@shared_task
def catch_up_pauses() -> int:
    """Hourly: re-read from Stripe the pauses that should have ended (in case the resume event never came)."""
    return pause.pauses_catch_up()
