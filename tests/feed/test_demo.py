import pytest
from django.core.management import call_command

from feed.models import Achievement, Cheer, Comment, WeeklyHighlight

pytestmark = pytest.mark.django_db


def counts():
    return tuple(model.objects.count() for model in (Achievement, Cheer, Comment, WeeklyHighlight))


def test_seed_demo_adds_achievements_with_photos_cheers_comments_and_a_highlight_once():
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert all(first)
    with_photo = Achievement.objects.exclude(photo="").first()
    assert with_photo is not None and with_photo.photo.storage.exists(with_photo.photo_feed.name)
    assert WeeklyHighlight.objects.get().achievement.club.slug == "healthy-and-happy"
