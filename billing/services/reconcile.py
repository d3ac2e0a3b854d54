"""Catch-up after an outage: Stripe's recent events and the subscriptions are compared with ours.

Stripe keeps events for 30 days, so a nightly run (and the ``reconcile_stripe`` command) can heal
any gap: missed deliveries are stored and processed like any webhook, and subscriptions whose
mirror disagrees with Stripe are re-read and applied.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from billing import gateway
from billing.models import TERMINAL_SUBSCRIPTION_STATUSES, Subscription, WebhookEvent
from billing.services.events import from_timestamp, webhook_event_store
from billing.services.subscriptions import subscription_apply

STRIPE_EVENT_RETENTION_DAYS = 30


@dataclass
class ReconcileReport:
    events_seen: int = 0
    events_missing: int = 0
    subscriptions_checked: int = 0
    subscriptions_corrected: int = 0
    errors: list[str] = field(default_factory=list)


# Stripe's Events API takes at most this many entries in ``types``.
EVENT_TYPES_PER_REQUEST = 20


def events_catch_up(*, report: ReconcileReport, days: int = STRIPE_EVENT_RETENTION_DAYS) -> None:
    """Store and process every Stripe event of the window that never reached the endpoint.

    Only the types some app handles are asked for. Each event comes back at the API version of its creation
    (not the version the request pins); processing re-reads the object of any event at another version.
    """
    from billing.handlers import handled_event_types

    created_after = int((timezone.now() - timedelta(days=days)).timestamp())
    types = handled_event_types()
    for start in range(0, len(types), EVENT_TYPES_PER_REQUEST):
        _events_catch_up_of(
            report=report, created_after=created_after, types=types[start : start + EVENT_TYPES_PER_REQUEST]
        )


def _events_catch_up_of(*, report: ReconcileReport, created_after: int, types: list[str]) -> None:
    starting_after = None
    while True:
        page = gateway.events_list_of_types(created_after=created_after, types=types, starting_after=starting_after)
        events = [gateway.as_json(event) for event in page.data]
        report.events_seen += len(events)
        known = set(
            WebhookEvent.objects.filter(stripe_event_id__in=[event["id"] for event in events]).values_list(
                "stripe_event_id", flat=True
            )
        )
        for event in events:
            if event["id"] not in known:
                webhook_event_store(event=event)
                report.events_missing += 1
        if not page.has_more or not events:
            return
        starting_after = events[-1]["id"]


def _disagrees(local: Subscription, remote: dict) -> bool:
    items = (remote.get("items") or {}).get("data") or [{}]
    return (
        local.status != remote.get("status")
        or local.cancel_at_period_end != bool(remote.get("cancel_at_period_end"))
        or local.current_period_end != from_timestamp(items[0].get("current_period_end"))
    )


def subscriptions_resync(*, report: ReconcileReport) -> None:
    """Re-read every running subscription; apply Stripe's state where ours differs."""
    running = Subscription.objects.exclude(status__in=TERMINAL_SUBSCRIPTION_STATUSES)
    for local in running.iterator():
        report.subscriptions_checked += 1
        try:
            remote = gateway.as_json(gateway.subscription_retrieve(subscription_id=local.stripe_subscription_id))
        except gateway.GatewayError as error:
            report.errors.append(f"{local}: {error}")
            continue
        if _disagrees(local, remote):
            subscription_apply(stripe_subscription=remote, event_created=None)
            report.subscriptions_corrected += 1


def stripe_reconcile(*, days: int = STRIPE_EVENT_RETENTION_DAYS) -> ReconcileReport:
    report = ReconcileReport()
    try:
        events_catch_up(report=report, days=days)
    except gateway.GatewayError as error:
        report.errors.append(f"events: {error}")
    subscriptions_resync(report=report)
    return report
