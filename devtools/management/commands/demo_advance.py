"""Time travel for the demo: ``manage.py demo_advance --days N`` (demo mode only).

The site keeps the real clock; the demo moves N days into the past instead, one day at a time, which is the
same as the clock moving N days forward. Each day:
1. every moment in the database moves back a day (members joined a day earlier, their last visit, their
   cancellation and their period end are a day older, the next event is a day nearer); birthdays stay;
   so do the moments written into automations' trigger keys ("since:<last activity>", "joined:<start>",
   "renews:<date>", "stage2:<left on>"): a key that kept the old moment would no longer match the moved
   trigger, and the same silence, the same join or the same renewal would be mailed again every day;
2. the Stripe emulator's moments move back a day too, then its clock reaches "now": every period that ended
   renews (invoiced and paid; declined for a card set to fail with --fail-card, so the subscription goes
   past_due and the grace period starts), and the events go signed through the real webhook endpoint;
3. the jobs that became due run, as beat would start them: automations (welcome, first-week nudge,
   renewal reminders, inactivity, win-back, ...), event reminders, NPS surveys, feed digests, the end of
   complimentary memberships.
Tasks run in this process while it works (so day 2 sees what day 1 did); their emails reach the outbox.
"""

from __future__ import annotations

import importlib
import re
from datetime import date, datetime, timedelta

from celery import current_app
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import F

from automations.models import AutomationSend
from billing.models import StripeCustomer
from devtools import stripe_emulator
from devtools.demo.checkout import demo_events_deliver, demo_mode
from devtools.outbox.store import outbox_count

DAY = timedelta(days=1)
DAY_SECONDS = 24 * 60 * 60
# The apps whose rows make up the demo (Django's own tables, sessions included, keep their moments).
DEMO_APPS = ("core", "members", "clubs", "billing", "events", "feed", "offers", "automations", "analytics")
# Dates that are not moments in the demo's life: a birthday stays a birthday.
KEPT_FIELDS = {"birthday", "birth_date", "date_of_birth"}
# The beat jobs that depend on "now" (config/settings/base.py CELERY_BEAT_SCHEDULE), in the order they run.
DUE_JOBS = (
    "clubs.tasks.expire_complimentary_memberships",
    "automations.tasks.run_automations",
    "events.tasks.send_event_reminders",
    "analytics.tasks.send_nps_surveys",
    "feed.tasks.send_activity_digests",
)


def _moment_fields(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateField) and field.name not in KEPT_FIELDS
    ]


def _in_a_unique_set(model, field: models.Field) -> bool:
    if field.unique:
        return True
    sets = [set(fields) for fields in model._meta.unique_together]
    sets += [set(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
    return any(field.name in fields for fields in sets)


def database_shift_back(*, delta: timedelta) -> int:
    """Every moment of the demo's rows ``delta`` earlier; returns how many values moved.

    A moment in a unique set moves row by row, oldest first, so no row ever lands on one not yet moved.
    """
    moved = 0
    for app_label in DEMO_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            for field in _moment_fields(model):
                step = delta if isinstance(field, models.DateTimeField) else timedelta(days=delta.days)
                rows = model._base_manager.exclude(**{field.name: None})
                if _in_a_unique_set(model, field):
                    for pk in rows.order_by(field.name).values_list("pk", flat=True):
                        moved += model._base_manager.filter(pk=pk).update(**{field.name: F(field.name) - step})
                else:
                    moved += rows.update(**{field.name: F(field.name) - step})
    return moved


# automations/services/triggers.py writes moments into trigger keys as UTC "%Y-%m-%dT%H:%M:%S" or as a date.
KEY_MOMENT = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2})?(?!\d)")


def trigger_key_shift_back(key: str, *, delta: timedelta) -> str:
    """``key`` with every moment in it ``delta`` earlier (a date moves by whole days), the rest untouched."""

    def earlier(match: re.Match) -> str:
        if match.group(2):
            moment = datetime.strptime(match.group(0), "%Y-%m-%dT%H:%M:%S") - delta
            return moment.strftime("%Y-%m-%dT%H:%M:%S")
        return (date.fromisoformat(match.group(1)) - timedelta(days=delta.days)).isoformat()

    return KEY_MOMENT.sub(earlier, key)


def trigger_keys_shift_back(*, delta: timedelta) -> int:
    """Every AutomationSend's trigger key moved with the moments it names; returns how many keys changed.

    Keys are unique per (club, member, kind): they move one by one, oldest first (ISO moments sort as
    text), so a key never lands on one that has not moved yet.
    """
    moved = 0
    for pk, key in AutomationSend.objects.order_by("trigger_key", "pk").values_list("pk", "trigger_key"):
        shifted = trigger_key_shift_back(key, delta=delta)
        if shifted != key:
            moved += AutomationSend.objects.filter(pk=pk).update(trigger_key=shifted)
    return moved


class Command(BaseCommand):
    help = "Demo mode only: move the demo N days forward (renewals, a failing card, the emails that became due)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True, help="how many days to move forward (1-400)")
        parser.add_argument(
            "--fail-card",
            action="append",
            default=[],
            metavar="EMAIL",
            help="this member's card is declined from now on (repeatable)",
        )

    def handle(self, *args, days: int, fail_card: list[str], **options):
        if not demo_mode():
            raise CommandError("demo_advance runs only in demo mode (DEBUG on, no STRIPE_SECRET_KEY).")
        if not 1 <= days <= 400:
            raise CommandError("--days must be between 1 and 400.")
        emulator = stripe_emulator.current()
        for email in fail_card:
            customer = StripeCustomer.objects.filter(user__email__iexact=email).first()
            if customer is None:
                raise CommandError(f"{email} has never paid in the demo checkout, so there is no card to fail.")
            emulator.set_card_to_fail(customer.stripe_customer_id)
            self.stdout.write(f"The card of {email} will be declined.")

        outbox_before = outbox_count()
        conf = current_app.conf
        eager = conf.task_always_eager
        conf.task_always_eager = True  # each day's tasks finish before the next day starts
        renewals = failures = 0
        try:
            for _day in range(days):
                with transaction.atomic():
                    database_shift_back(delta=DAY)
                    trigger_keys_shift_back(delta=DAY)
                    emulator.shift_time(-DAY_SECONDS)
                events = emulator.renew_due()
                renewals += sum(1 for event in events if event["type"] == "invoice.paid")
                failures += sum(1 for event in events if event["type"] == "invoice.payment_failed")
                demo_events_deliver(events)
                for name in DUE_JOBS:
                    task = getattr(importlib.import_module(name.rsplit(".", 1)[0]), name.rsplit(".", 1)[1])
                    task.apply(throw=True)
        finally:
            conf.task_always_eager = eager
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo moved forward. Days: {days}; renewals paid: {renewals}; payments declined: {failures}; "
                f"emails sent: {outbox_count() - outbox_before} (see /dev/outbox/)."
            )
        )
