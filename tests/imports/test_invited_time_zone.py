"""An account created by an import's invitation starts in the club's time zone (issue 23), not UTC."""

import datetime

import pytest
from django.conf import settings

from imports import services
from members.models import User
from tests.factories import UserFactory
from tests.imports.helpers import leader_of, sample

pytestmark = pytest.mark.django_db


def test_invited_account_takes_the_clubs_time_zone(club, django_capture_on_commit_callbacks):
    club.time_zone = "Asia/Tokyo"
    club.save(update_fields=["time_zone"])
    assert settings.TIME_ZONE != "Asia/Tokyo"  # the site default would be a different answer
    UserFactory(email="grace@example.com", time_zone="America/Chicago")  # an existing account keeps its own
    job = services.import_preview(
        club=club,
        actor=leader_of(club),
        data=sample("generic"),
        filename="members.csv",
        complimentary_until=datetime.date(2030, 12, 31),
        default_plan=None,
        send_invitations=True,
        source_format="",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.import_confirm(job=job, actor=job.created_by)
    zones = dict(
        User.objects.filter(email__in=["ada@example.com", "grace@example.com", "linus@example.com"]).values_list(
            "email", "time_zone"
        )
    )
    assert zones == {
        "ada@example.com": "Asia/Tokyo",
        "grace@example.com": "America/Chicago",
        "linus@example.com": "Asia/Tokyo",
    }
