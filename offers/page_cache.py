"""What on member pages offers' rows change: offers and redemptions (core/pagecache.py)."""

from django.apps import apps

from core import pagecache


def register() -> None:
    from offers.models import Redemption

    pagecache.watch_club_rows(apps.get_app_config("offers"), section="offers")
    pagecache.watch(Redemption, section="offers", club_id=lambda redemption: redemption.offer.club_id)
