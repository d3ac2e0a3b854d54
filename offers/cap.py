"""The weekly cap on offer emails: one rule, written once, for both apps that send them.

A club promises each member at most ``Club.max_offer_emails_per_week`` offer emails in any ``CAP_WINDOW``.
Two apps send offer emails: offers (a leader's offer, one ``OfferDelivery`` per member) and automations
(win-back offers, upgrade nudges, birthday gifts: ``AutomationSend`` rows with ``is_offer``). Each app counts
both kinds before it sends, through ``offer_email_count`` here, so neither sends past a cap the other has
already filled. (The two apps take no common lock: an offer send and an automation run resolving at the
same moment can each still see room for the last email.)

``automations.models`` imports only clubs, so reading its table here makes no import cycle.
"""

from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce

from automations.models import AutomationSend, SendStatus
from clubs.models import Club
from offers.models import DeliveryStatus, OfferDelivery

CAP_WINDOW = timedelta(days=7)

# An automation send in these states never reached the member.
AUTOMATION_SEND_NOT_SENT = (SendStatus.FAILED, SendStatus.SKIPPED)


def _count_per_user(rows: QuerySet) -> Coalesce:
    counted = rows.order_by().values("user").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def offer_email_count(*, club: Club, now: datetime, user_field: str = "user_id") -> CombinedExpression:
    """Offer emails the member got from this club in the last ``CAP_WINDOW``, as an SQL expression.

    Counted: offer deliveries that did not fail, plus automation sends that are offers and neither failed
    nor were skipped. Queued and in-flight emails count too, so a send in progress already holds its place.
    ``user_field`` names the outer query's column holding the member's user id (``user_id`` on memberships,
    ``pk`` on users). Two correlated subqueries, each served by its table's (club, user, created_at) index,
    so annotating 50,000 members stays one set-based query.
    """
    since = now - CAP_WINDOW
    user = OuterRef(user_field)
    deliveries = OfferDelivery.objects.filter(club=club, user=user, created_at__gte=since).exclude(
        status=DeliveryStatus.FAILED
    )
    automated = AutomationSend.objects.filter(club=club, user=user, is_offer=True, created_at__gte=since).exclude(
        status__in=AUTOMATION_SEND_NOT_SENT
    )
    return _count_per_user(deliveries) + _count_per_user(automated)
