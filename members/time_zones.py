"""The time zone picker: the IANA zones people live in, grouped by region, without legacy aliases.

``zoneinfo.available_timezones()`` also lists "Factory", "GMT+0", "US/Eastern", "Etc/GMT-3" and the like:
aliases and placeholders nobody picks on purpose. The model keeps accepting every IANA name (stored values
stay valid); the form offers only these, plus the member's current value when it is one of the aliases.
"""

import functools
import zoneinfo

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from members.hooks import signup_club_time_zones

REGIONS = {
    "Africa": _("Africa"),
    "America": _("Americas"),
    "Antarctica": _("Antarctica"),
    "Arctic": _("Arctic"),
    "Asia": _("Asia"),
    "Atlantic": _("Atlantic Ocean"),
    "Australia": _("Australia"),
    "Europe": _("Europe"),
    "Indian": _("Indian Ocean"),
    "Pacific": _("Pacific Ocean"),
}


def picker_choices(current: str = "") -> list:
    """[("UTC", "UTC"), (region label, [(zone, city), ...]), ...]: optgroups in REGIONS order, cities sorted."""
    groups: dict[str, list] = {region: [] for region in REGIONS}
    for name in sorted(zoneinfo.available_timezones()):
        region, _slash, city = name.partition("/")
        if region in groups and city:
            groups[region].append((name, city.replace("_", " ").replace("/", " / ")))
    choices: list = [("UTC", "UTC")]
    if current and current != "UTC" and not any(current == name for zones in groups.values() for name, _ in zones):
        choices.append((current, current.replace("_", " ")))
    choices += [(REGIONS[region], zones) for region, zones in groups.items()]
    return choices


@functools.cache
def picker_zone_names() -> frozenset[str]:
    """Every zone the picker offers: what a browser's zone must be to be taken as it is."""
    return frozenset(
        name
        for value, label in picker_choices()
        for name in ([value] if isinstance(label, str) else [z for z, _ in label])
    )


def signup_time_zone(*, request: HttpRequest, browser_zone: str = "") -> str:
    """A new account's time zone: the browser's, else the joined club's, else the site's, else UTC.

    Without JavaScript (or with a zone the picker does not offer, such as "Factory") the browser gives none,
    and someone joining a club in Tokyo expects Tokyo's times rather than UTC's. A club's stored zone may be
    an alias ("US/Eastern"): every IANA name the model accepts is kept, as the profile keeps it.
    """
    if browser_zone in picker_zone_names():
        return browser_zone
    available = zoneinfo.available_timezones()
    for zone in signup_club_time_zones(request=request):
        if zone in available:
            return zone
    return settings.TIME_ZONE if settings.TIME_ZONE in available else "UTC"
