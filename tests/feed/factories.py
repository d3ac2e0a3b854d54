"""Factories and upload helpers for the feed's tests."""

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from feed import services
from feed.models import Achievement, Announcement, AnnouncementComment, Cheer, Comment, Report
from tests.factories import ClubFactory, MembershipFactory, UserFactory


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "teal")
    image.save(buffer, format=fmt, **({"exif": exif} if exif is not None else {}))
    return buffer.getvalue()


def photo_upload(name: str = "run.jpg", fmt: str = "JPEG", size: tuple[int, int] = (64, 48), **kwargs):
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, image_bytes(fmt, size, **kwargs), content_type=content_type)


def member_of(club, **user_fields):
    """A member with access to ``club``."""
    return MembershipFactory(club=club, plan=club.plans.first(), user=UserFactory(**user_fields)).user


class AchievementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Achievement

    club = factory.SubFactory(ClubFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Walked {n + 1} km today")
    tag = "workout"


def achievement_with_photo(*, club, author=None, **kwargs) -> Achievement:
    """Through the service, so the photo is stored exactly as in production (two re-encoded copies)."""
    return services.achievement_create(
        club=club,
        author=author or member_of(club),
        text=kwargs.pop("text", "Look at this view"),
        photo=photo_upload(),
        **kwargs,
    )


class CheerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cheer

    achievement = factory.SubFactory(AchievementFactory)
    user = factory.SubFactory(UserFactory)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    achievement = factory.SubFactory(AchievementFactory)
    author = factory.SubFactory(UserFactory)
    text = "Well done!"


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    club = factory.SelfAttribute("achievement.club")
    achievement = factory.SubFactory(AchievementFactory)
    reporter = factory.SubFactory(UserFactory)
    reason = "Not kind"


def leader_of(club, **user_fields):
    """A leader of ``club`` (without a membership, as the demo's leaders are)."""
    user = UserFactory(**user_fields)
    club.leaders.add(user)
    return user


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement

    club = factory.SubFactory(ClubFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Club news {n + 1}")
    text = "The park run moves to Saturday."
    comments_enabled = True


class AnnouncementCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnouncementComment

    announcement = factory.SubFactory(AnnouncementFactory)
    author = factory.SubFactory(UserFactory)
    text = "See you there!"
