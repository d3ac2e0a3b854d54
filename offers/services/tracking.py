"""What members do with offer emails: open, click, unsubscribe. Each is idempotent."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clubs.models import Club
from members.models import User
from offers.models import OfferDelivery, OfferUnsubscribe


def delivery_opened(*, delivery_id: int, now: datetime | None = None) -> None:
    """The first open counts; later opens change nothing."""
    OfferDelivery.objects.filter(pk=delivery_id, opened_at__isnull=True).update(opened_at=now or timezone.now())


def delivery_clicked(*, delivery_id: int, now: datetime | None = None) -> None:
    """A click implies the email was opened, even when the pixel was blocked."""
    now = now or timezone.now()
    OfferDelivery.objects.filter(pk=delivery_id, clicked_at__isnull=True).update(clicked_at=now)
    OfferDelivery.objects.filter(Q(pk=delivery_id) & Q(opened_at__isnull=True)).update(opened_at=now)


def offer_unsubscribe(*, club: Club, user: User, now: datetime | None = None) -> bool:
    """No more offer emails from this club to this member; returns False when already unsubscribed."""
    try:
        with transaction.atomic():
            _, created = OfferUnsubscribe.objects.get_or_create(
                club=club, user=user, defaults={"created_at": now or timezone.now()}
            )
    except IntegrityError:  # two clicks at the same moment: the other one recorded it
        return False
    return created
