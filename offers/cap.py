"""The weekly cap on offer emails: one rule, written once, for both apps that send them.

A club promises each member at most ``Club.max_offer_emails_per_week`` offer emails in any ``CAP_WINDOW``.
Two apps send offer emails: offers (a leader's offer, one ``OfferDelivery`` per member) and automations
(win-back offers, upgrade nudges, birthday gifts: ``AutomationSend`` rows with ``is_offer``). Each app counts
both kinds before it sends, through ``offer_email_count`` here, so neither sends past a cap the other has
already filled. (The two apps take no common lock: an offer send and an automation run resolving at the
same moment can each still see room for the last email.)

offers never imports automations: automations registers its offer emails as a source here
(``register_offer_email_source``, from ``AutomationsConfig.ready()``).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce

from clubs.models import Club
from offers.models import DeliveryStatus, OfferDelivery

CAP_WINDOW = timedelta(days=7)

# ``source(club=, user=, since=) -> QuerySet`` of rows with a ``user`` column, one per offer email.
OfferEmailSource = Callable[..., QuerySet]
_sources: list[OfferEmailSource] = []


def register_offer_email_source(source: OfferEmailSource) -> OfferEmailSource:
    """Count another app's offer emails against the cap (automations registers its offer sends)."""
    if source not in _sources:
        _sources.append(source)
    return source


def _offer_deliveries(*, club: Club, user, since: datetime) -> QuerySet:
    """A leader's offer emails that did not fail."""
    return OfferDelivery.objects.filter(club=club, user=user, created_at__gte=since).exclude(
        status=DeliveryStatus.FAILED
    )


def _count_per_user(rows: QuerySet) -> Coalesce:
    counted = rows.order_by().values("user").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def offer_email_count(*, club: Club, now: datetime, user_field: str = "user_id") -> CombinedExpression:
    """Offer emails the member got from this club in the last ``CAP_WINDOW``, as an SQL expression.

    Counted: offer deliveries that did not fail, plus every registered source's rows (automation sends that
    are offers and neither failed nor were skipped). Queued and in-flight emails count too, so a send in
    progress already holds its place. ``user_field`` names the outer query's column holding the member's
    user id (``user_id`` on memberships, ``pk`` on users). One correlated subquery per source, each served by
    its table's (club, user, created_at) index, so annotating 50,000 members stays one set-based query.
    """
    since = now - CAP_WINDOW
    user = OuterRef(user_field)
    total = _count_per_user(_offer_deliveries(club=club, user=user, since=since))
    for source in _sources:
        total = total + _count_per_user(source(club=club, user=user, since=since))
    return total
