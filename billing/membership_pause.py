"""The pause on a membership's status badge (clubs/membership_pause.py), registered in ``BillingConfig.ready()``."""

from datetime import datetime

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery

from billing.models import Subscription
from billing.services.pause import paused_filter


def pause_annotate(queryset: QuerySet, *, now: datetime) -> QuerySet:
    """Each membership's ``is_paused_now`` and ``paused_until``, by the same test as ``Subscription.is_paused``.

    ``paused_until`` is None for an open-ended pause; should two of its subscriptions be paused, the open-ended
    one wins, else the later resume date (the member is paused until both have resumed).
    """
    paused = Subscription.objects.filter(paused_filter(now), membership=OuterRef("pk"))
    resumes = paused.order_by(F("pause_resumes_at").desc(nulls_first=True)).values("pause_resumes_at")[:1]
    return queryset.annotate(is_paused_now=Exists(paused), paused_until=Subquery(resumes))
