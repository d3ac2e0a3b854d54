"""A time printed as "3:44 p.m." ends in a full stop: a sentence that ends with it must not add another
("Valid until 1 Dec 2026, 3:44 p.m.."). Two checks: every template's sentences that end on a date-time go
through ``before_full_stop``, and the offer email, rendered and parsed back, reads right."""

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from offers.services.sending import offer_send_start
from tests.factories import MembershipFactory, UserFactory
from tests.offers.factories import OfferFactory

BLOCK = re.compile(r"\{%\s*blocktranslate\s+with\s+(.*?)%\}(.*?)\{%\s*endblocktranslate\s*%\}", re.S)
TIME_FORMATS = ("DATETIME_FORMAT", "TIME_FORMAT", "|time")


def sentences_ending_on_a_time_without_the_filter() -> list[str]:
    found = []
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(directory).rglob("*"):
            if not path.is_file() or path.suffix not in {".html", ".txt"}:
                continue
            for block in BLOCK.finditer(path.read_text(encoding="utf-8")):
                for name, expression in re.findall(r"(\w+)=(\S+)", block.group(1)):
                    prints_a_time = any(marker in expression for marker in TIME_FORMATS)
                    ends_a_sentence = re.search(r"\{\{\s*" + re.escape(name) + r"\s*\}\}\.", block.group(2))
                    if prints_a_time and ends_a_sentence and "before_full_stop" not in expression:
                        found.append(f"{path.relative_to(settings.BASE_DIR)}: {name}={expression}")
    return found


def test_no_template_sentence_ends_a_time_with_a_second_full_stop():
    assert sentences_ending_on_a_time_without_the_filter() == []


@pytest.mark.django_db
def test_offer_email_valid_until_a_pm_time_has_one_full_stop(club, django_capture_on_commit_callbacks):
    leader = UserFactory()
    club.leaders.add(leader)
    member = UserFactory(preferred_language="en", time_zone="UTC")
    MembershipFactory(user=member, club=club)
    valid_until = datetime.now(UTC).replace(hour=15, minute=44, second=0, microsecond=0) + timedelta(days=3)
    offer = OfferFactory(club=club, valid_until=valid_until)

    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=leader)

    [sent] = [message for message in mail.outbox if message.to == [member.email]]
    parsed = email.message_from_bytes(sent.message().as_bytes(), policy=policy.default)
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert "3:44 p.m." in text
    for body in (text, html):
        assert "p.m.." not in body
