"""Issue 23, text a new user tripped over: no doubled full stops after a time ("3:44 p.m.."), no "Yearly — year",
one date format per context (the templates use the named formats, never a literal pattern of their own)."""

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from offers.models import Redemption, RedemptionStatus
from tests.factories import MembershipFactory, UserFactory
from tests.offers.factories import OfferFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Pages only: the emails have their own engineer and their own formats (a mail client has no club time zone).
PAGE_TEMPLATES = [path for path in TEMPLATES.rglob("*.html") if "email" not in path.parts]


def test_redeemed_offer_page_has_no_doubled_full_stop_after_the_time(client, club):
    member = UserFactory()
    MembershipFactory(user=member, club=club, plan=club.plans.first())
    offer = OfferFactory(club=club)
    berlin = zoneinfo.ZoneInfo(club.time_zone)
    paid_at = dt.datetime(2026, 3, 14, 15, 44, tzinfo=berlin)  # 3:44 p.m. in English
    Redemption.objects.create(
        offer=offer,
        user=member,
        status=RedemptionStatus.PAID,
        amount_minor=2500,
        currency="USD",
        reserved_until=paid_at,
        paid_at=paid_at,
    )
    client.force_login(member)
    with timezone.override(berlin):
        content = client.get(offer.get_absolute_url()).content.decode()
    sentence = re.search(r"You redeemed this offer on ([^<]*)</div>", content).group(1)
    assert sentence.endswith(".") and ".." not in sentence  # "…, 3:44 p.m." once, not "p.m.."


def test_no_page_template_ends_a_sentence_with_a_time_that_brings_its_own_full_stop():
    """A date-time ending a translated sentence goes through |before_full_stop (English times end in "p.m.")."""
    offenders = []
    for path in PAGE_TEMPLATES:
        text = path.read_text()
        for match in re.finditer(r"with (\w+)=([^%]*?)%\}(?:(?!\{%).)*?\{\{ \1 \}\}\.\{% endblocktranslate", text):
            value = match.group(2)
            if ("DATETIME_FORMAT" in value or "H:i" in value) and "before_full_stop" not in value:
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)[:80]}")
    assert not offenders


def test_page_templates_use_named_date_formats_not_their_own_patterns():
    """One date format per context: DATE_FORMAT for a day, WEEKDAY_DATE_FORMAT for an event's day, DATETIME_FORMAT
    for a moment. A literal pattern ("D j M Y, H:i") is another format next to the named one."""
    allowed = {"DATE_FORMAT", "WEEKDAY_DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "Y-m", "H:i"}
    offenders = []
    for path in PAGE_TEMPLATES:
        for fmt in re.findall(r'\|localdate:"([^"]+)"', path.read_text()):
            if fmt not in allowed:
                offenders.append(f"{path.relative_to(TEMPLATES)}: {fmt}")
    assert not offenders


def test_demo_checkout_says_the_price_and_period_not_yearly_year(client, club, demo_settings):
    client.force_login(UserFactory())
    checkout = client.post(reverse("billing:club-join", args=[club.slug, club.plans.get(name="Yearly").pk]))
    content = client.get(checkout["Location"]).content.decode()
    assert "Yearly — year" not in content
    assert "Yearly — $48.00 / year" in content


@pytest.mark.parametrize(("value", "shown"), [("3:44 p.m.", "3:44 p.m"), ("14:00", "14:00"), ("", ""), (None, "")])
def test_before_full_stop_drops_only_a_final_stop(value, shown):
    from core.templatetags.text_tags import before_full_stop

    assert before_full_stop(value) == shown
