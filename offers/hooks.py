"""What offers adds to the pages of the apps below it (registered in ``OffersConfig.ready()``)."""

from clubs.hooks import register_club_home_section
from offers.selectors import offer_current_for_home


def register() -> None:
    register_club_home_section(_club_home_current_offers)


def _club_home_current_offers(*, club, viewer) -> dict:
    return {"current_offers": offer_current_for_home(club=club)}
