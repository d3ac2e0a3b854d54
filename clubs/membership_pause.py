"""A paused membership on its status badge: billing knows pauses, clubs shows them ("Paused until 1 Mar").

A paused member's membership stays *active* (Stripe keeps the subscription active while collection is paused),
so its status alone reads "Active". Billing registers here, in ``BillingConfig.ready()``, an annotation that
adds to Membership rows ``is_paused_now`` (bool) and ``paused_until`` (when payments resume, None when the pause
is open-ended), computed in the same query as the rows: list pages pay no query per row. Without billing
installed, no row is paused and the templates (``clubs/_membership_status_label.html``) show the status.
"""

from collections.abc import Callable
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

PauseAnnotate = Callable[..., QuerySet]

_pause_annotations: list[PauseAnnotate] = []


def register_pause_annotation(annotate: PauseAnnotate) -> PauseAnnotate:
    """``annotate(queryset, *, now) -> queryset`` with ``is_paused_now`` and ``paused_until`` on each Membership."""
    if annotate not in _pause_annotations:
        _pause_annotations.append(annotate)
    return annotate


def memberships_with_pause(queryset: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """The Membership queryset with each row's pause (same number of queries: subqueries, no extra round trip)."""
    now = now or timezone.now()
    for annotate in _pause_annotations:
        queryset = annotate(queryset, now=now)
    return queryset
