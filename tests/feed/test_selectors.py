"""The feed's keyset pagination: the cursor token and the page read behind the feed and the profiles."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from clubs.permissions import club_viewer
from feed.models import Achievement
from feed.selectors import achievement_feed_page, feed_cursor, feed_cursor_parse
from tests.feed.factories import AchievementFactory, member_of

pytestmark = pytest.mark.django_db


def test_a_cursor_round_trips_the_position_in_utc_and_is_url_safe(club):
    achievement = AchievementFactory(club=club)
    berlin = datetime(2024, 3, 31, 2, 30, 0, 250, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    achievement.created_at = berlin
    cursor = feed_cursor(achievement)
    assert cursor.replace("-", "").replace("_", "").isalnum()
    assert feed_cursor_parse(cursor) == (berlin.astimezone(UTC), achievement.pk)
    assert feed_cursor_parse(cursor)[0].tzinfo == UTC


@pytest.mark.parametrize("cursor", ["", "x", "=" * 8, "A" * 101])
def test_anything_else_is_no_cursor(cursor):
    assert feed_cursor_parse(cursor) is None


def test_pages_read_page_size_plus_one_and_follow_on_without_a_count(club, django_assert_num_queries):
    member = member_of(club)
    viewer = club_viewer(user=member, club=club)
    now = timezone.now()
    for minutes in (0, 0, 1, 1, 1, 2):
        AchievementFactory(club=club, created_at=now - timedelta(minutes=minutes))
    AchievementFactory(club=club, created_at=now, is_hidden=True)
    expected = list(
        Achievement.objects.filter(club=club, is_hidden=False)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    seen, before = [], ""
    for _ in range(3):
        with django_assert_num_queries(1):
            page = achievement_feed_page(club=club, viewer=viewer, user=member, page_size=2, before=before)
        assert page.continued == bool(before)
        seen += [achievement.pk for achievement in page.achievements]
        before = page.next_cursor
    assert seen == expected and before == ""
