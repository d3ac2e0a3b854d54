"""Reads for offers: what members see, who an offer reaches, and how a send is doing."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from clubs.consent import consent_given
from clubs.models import Club, ConsentPurpose, Membership
from members.models import EmailSuppression, User
from offers.cap import offer_email_count
from offers.models import (
    IN_DOUBT_ERROR,
    UNITS_TAKEN,
    Audience,
    DeliveryStatus,
    Offer,
    OfferDelivery,
    OfferSend,
    OfferUnsubscribe,
    Redemption,
    RedemptionStatus,
    SendStatus,
)
from offers.segments import attended_at_least, inactive_for

# Offer cards on one page of the members' offers list (a multiple of the 2 and 3 columns of the grid).
OFFERS_PAGE_SIZE = 12

# Why a member of the audience gets no email this time (first reason wins); REACH means they do.
REACH, ALREADY_SENT, OPTED_OUT, UNSUBSCRIBED, CAPPED, SUPPRESSED = range(6)


def _taken_count(now: datetime) -> Coalesce:
    """Units sold or held by an open checkout: what the quantity limit counts."""
    taken = (
        Redemption.objects.filter(offer=OuterRef("pk"))
        .filter(Q(status__in=UNITS_TAKEN) | Q(status=RedemptionStatus.RESERVED, reserved_until__gt=now))
        .order_by()
        .values("offer")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(taken, output_field=IntegerField()), 0)


def offer_taken_count(*, offer: Offer, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return (
        Redemption.objects.filter(offer=offer)
        .filter(Q(status__in=UNITS_TAKEN) | Q(status=RedemptionStatus.RESERVED, reserved_until__gt=now))
        .count()
    )


def offer_list_for_member(*, club: Club, user: User, now: datetime | None = None) -> QuerySet[Offer]:
    """Published, started offers of the club, current ones first, annotated for marking (lazy, 1 query when read).

    A QuerySet, not a list, so that a paginator slices it in SQL: a club's offers grow with its history.
    The offers are not marked yet; ``offer_page_for_member`` marks those of one page.
    """
    now = now or timezone.now()
    return (
        Offer.objects.filter(club=club, valid_from__lte=now, publish_at__lte=now)
        .annotate(
            taken_count=_taken_count(now),
            redeemed_by_me=Exists(
                Redemption.objects.filter(offer=OuterRef("pk"), user=user, status=RedemptionStatus.PAID)
            ),
            is_expired_now=Case(
                When(valid_until__lte=now, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .order_by("is_expired_now", "-valid_from", "-pk")
    )


def offer_page_for_member(
    *,
    club: Club,
    user: User,
    page_number: str | int | None,
    per_page: int = OFFERS_PAGE_SIZE,
    now: datetime | None = None,
) -> Page:
    """One page of ``offer_list_for_member``, its offers marked expired / sold out / remaining (2 queries).

    Bad page numbers behave as ``Paginator.get_page``: not a number gives the first page, too far the last.
    Only the page's offers are read and marked, so the page costs the same however many offers the club posted.
    """
    now = now or timezone.now()
    page = Paginator(offer_list_for_member(club=club, user=user, now=now), per_page).get_page(page_number)
    page.object_list = [_mark(offer, now) for offer in page.object_list]
    return page


def offer_current_for_home(*, club: Club, now: datetime | None = None, limit: int = 3) -> list[Offer]:
    """The few offers a member can redeem now, for the club home (1 query)."""
    now = now or timezone.now()
    offers = (
        Offer.objects.filter(club=club, valid_from__lte=now, publish_at__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .annotate(taken_count=_taken_count(now))
        .order_by("-valid_from", "-pk")
    )
    return [_mark(offer, now) for offer in offers[:limit]]


def _mark(offer: Offer, now: datetime) -> Offer:
    offer.expired = offer.is_expired(now)
    offer.sold_out = offer.quantity_limit is not None and offer.taken_count >= offer.quantity_limit
    offer.remaining = None if offer.quantity_limit is None else max(offer.quantity_limit - offer.taken_count, 0)
    return offer


def offer_get_for_member(*, club: Club, pk: int, user: User, now: datetime | None = None) -> Offer:
    """An offer of this club; the view shows members only published, started ones (leaders see every one)."""
    now = now or timezone.now()
    try:
        offer = Offer.objects.select_related("club").annotate(taken_count=_taken_count(now)).get(club=club, pk=pk)
    except Offer.DoesNotExist as exc:
        raise Http404 from exc
    offer = _mark(offer, now)
    offer.my_redemption = (
        Redemption.objects.filter(offer=offer, user=user, status=RedemptionStatus.PAID).first()
        if user.is_authenticated
        else None
    )
    return offer


def offer_get_for_leader(*, club: Club, pk: int) -> Offer:
    try:
        return Offer.objects.select_related("club", "audience_plan").get(club=club, pk=pk)
    except Offer.DoesNotExist as exc:
        raise Http404 from exc


def offer_list_for_leader(*, club: Club) -> QuerySet[Offer]:
    """Every offer of the club with its delivery and sales figures (1 query)."""
    delivered = (
        OfferDelivery.objects.filter(offer=OuterRef("pk"), status=DeliveryStatus.SENT)
        .order_by()
        .values("offer")
        .annotate(count=Count("pk"))
        .values("count")
    )
    sold = (
        Redemption.objects.filter(offer=OuterRef("pk"), status=RedemptionStatus.PAID)
        .order_by()
        .values("offer")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Offer.objects.filter(club=club)
        .annotate(
            delivered_count=Coalesce(Subquery(delivered, output_field=IntegerField()), 0),
            redeemed_count=Coalesce(Subquery(sold, output_field=IntegerField()), 0),
        )
        .order_by("-valid_from", "-pk")
    )


def redemptions_for_member(*, club: Club, user: User) -> QuerySet[Redemption]:
    return (
        Redemption.objects.filter(offer__club=club, user=user, status=RedemptionStatus.PAID)
        .select_related("offer")
        .order_by("-paid_at", "-pk")
    )


# --- Audience --------------------------------------------------------------------------------------


def _apply_audience(members: QuerySet[Membership], offer: Offer, now: datetime) -> QuerySet[Membership]:
    if offer.audience == Audience.PLAN:
        return members.filter(plan_id=offer.audience_plan_id)
    if offer.audience == Audience.MEMBERSHIP_AGE:
        return members.filter(started_at__lte=now - timedelta(days=offer.audience_days or 0))
    if offer.audience == Audience.ATTENDED:
        return attended_at_least(members, club=offer.club, minimum=offer.audience_min_events or 1, now=now)
    if offer.audience == Audience.INACTIVE:
        return inactive_for(members, club=offer.club, days=offer.audience_days or 0, now=now)
    return members


def offer_audience(*, offer: Offer, now: datetime | None = None) -> QuerySet[Membership]:
    """Members with access in the offer's audience, each annotated with ``reach`` (REACH or why not).

    SUPPRESSED when the address bounced, complained or unsubscribed at the provider (members.EmailSuppression);
    CAPPED when the member already got the club's weekly number of offer emails from either app (offers.cap).
    """
    now = now or timezone.now()
    club = offer.club
    members = _apply_audience(Membership.objects.filter(club=club).with_access(now), offer, now)
    return members.alias(recent_count=offer_email_count(club=club, now=now)).annotate(
        reach=Case(
            When(Exists(OfferDelivery.objects.filter(offer=offer, user=OuterRef("user_id"))), then=Value(ALREADY_SENT)),
            When(user__email_offers=False, then=Value(OPTED_OUT)),
            # No consent recorded for this club's offer emails (or not yet confirmed under double opt-in).
            When(~consent_given(purpose=ConsentPurpose.OFFERS), then=Value(OPTED_OUT)),
            When(
                Exists(OfferUnsubscribe.objects.filter(club=club, user=OuterRef("user_id"))), then=Value(UNSUBSCRIBED)
            ),
            When(Exists(EmailSuppression.objects.filter(email=OuterRef("user__email"))), then=Value(SUPPRESSED)),
            When(recent_count__gte=club.max_offer_emails_per_week, then=Value(CAPPED)),
            default=Value(REACH),
            output_field=IntegerField(),
        ),
    )


@dataclass(frozen=True)
class SendPreview:
    reached: int
    skipped_opted_out: int
    skipped_unsubscribed: int
    skipped_capped: int
    skipped_suppressed: int
    already_sent: int

    @property
    def skipped(self) -> int:
        return self.skipped_opted_out + self.skipped_unsubscribed + self.skipped_capped + self.skipped_suppressed


def offer_send_preview(*, offer: Offer, now: datetime | None = None) -> SendPreview:
    """How many a send would reach now and how many it would skip, and why (1 query)."""
    counts = offer_audience(offer=offer, now=now).aggregate(
        reached=Count("pk", filter=Q(reach=REACH)),
        skipped_opted_out=Count("pk", filter=Q(reach=OPTED_OUT)),
        skipped_unsubscribed=Count("pk", filter=Q(reach=UNSUBSCRIBED)),
        skipped_capped=Count("pk", filter=Q(reach=CAPPED)),
        skipped_suppressed=Count("pk", filter=Q(reach=SUPPRESSED)),
        already_sent=Count("pk", filter=Q(reach=ALREADY_SENT)),
    )
    return SendPreview(**counts)


# --- Progress and results -----------------------------------------------------------------------


@dataclass(frozen=True)
class OfferResults:
    queued: int
    sent: int
    failed: int
    skipped: int
    opened: int
    clicked: int
    redeemed: int
    revenue_minor: int
    is_sending: bool
    has_sends: bool
    in_doubt: int = 0  # of ``failed``: handed to the mail server by a worker that stopped before the answer

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed

    @property
    def done(self) -> int:
        return self.sent + self.failed

    @property
    def percent_done(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total

    @property
    def conversion_percent(self) -> float:
        return 0.0 if not self.sent else round(self.redeemed * 100 / self.sent, 1)


def offer_results(*, offer: Offer) -> OfferResults:
    """Progress of the sends and what they brought: sales after the email only (3 queries, whatever the size)."""
    deliveries = OfferDelivery.objects.filter(offer=offer).aggregate(
        queued=Count("pk", filter=Q(status__in=(DeliveryStatus.PENDING, DeliveryStatus.SENDING))),
        sent=Count("pk", filter=Q(status=DeliveryStatus.SENT)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
        in_doubt=Count("pk", filter=Q(status=DeliveryStatus.FAILED, error=IN_DOUBT_ERROR)),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        skipped_at_send=Count("pk", filter=Q(status=DeliveryStatus.SKIPPED)),
    )
    sends = OfferSend.objects.filter(offer=offer).aggregate(
        skipped=Coalesce(
            Sum("skipped_opted_out") + Sum("skipped_unsubscribed") + Sum("skipped_capped") + Sum("skipped_suppressed"),
            0,
        ),
        unfinished=Count("pk", filter=~Q(status=SendStatus.DONE)),
        count=Count("pk"),
    )
    # What the email brought: a purchase by a recipient after their email went out (one from before the
    # send, or by someone never emailed, is not the send's doing and showed as conversion).
    emailed_before = OfferDelivery.objects.filter(
        offer=offer, user=OuterRef("user_id"), status=DeliveryStatus.SENT, sent_at__lte=OuterRef("created_at")
    )
    sales = Redemption.objects.filter(Exists(emailed_before), offer=offer, status=RedemptionStatus.PAID).aggregate(
        redeemed=Count("pk"), revenue_minor=Coalesce(Sum("amount_minor"), 0)
    )
    skipped_at_send = deliveries.pop("skipped_at_send")  # popped first: OfferResults has no such field
    return OfferResults(
        **deliveries,
        skipped=sends["skipped"] + skipped_at_send,
        **sales,
        is_sending=bool(sends["unfinished"]) or bool(deliveries["queued"]),
        has_sends=bool(sends["count"]),
    )
