"""Demo achievements for the Healthy and Happy Club (called by ``manage.py seed_demo``; safe to run again)."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from clubs.models import Club
from feed import services
from feed.models import Achievement, AchievementTag, Comment
from members.models import User

# author email, days ago, tag, text, photo colours (or None)
DEMO_ACHIEVEMENTS = [
    (
        "member@example.com",
        0,
        AchievementTag.WORKOUT,
        "Ran my first 5 km without stopping!",
        ((13, 110, 253), (25, 135, 84)),
    ),
    ("trial@example.com", 1, AchievementTag.NUTRITION, "Cooked vegetables at every dinner this week.", None),
    (
        "member@example.com",
        7,
        AchievementTag.MINDFULNESS,
        "Ten minutes of breathing every morning. The guide I used: https://example.com/breathing",
        None,
    ),
    (
        "leader@example.com",
        8,
        AchievementTag.MILESTONE,
        "Our club is three months old. Thank you all!",
        ((255, 193, 7), (220, 53, 69)),
    ),
    ("member@example.com", 14, AchievementTag.SLEEP, "In bed by 23:00 five nights in a row.", None),
]
DEMO_CHEERS = {0: ["trial@example.com", "leader@example.com"], 1: ["member@example.com"], 3: ["member@example.com"]}
DEMO_COMMENTS = {0: [("trial@example.com", "Amazing, well done!"), ("leader@example.com", "See you at the next run.")]}


def _demo_photo(colours: tuple) -> SimpleUploadedFile:
    """A generated picture (a two-colour gradient with a sun), so the demo needs no image files."""
    width, height = 1200, 800
    start, end = colours
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * mix) for a, b in zip(start, end, strict=True)))
    draw.ellipse([(850, 120), (1050, 320)], fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile("demo.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed_feed_demo(*, club: Club) -> None:
    users = {
        user.email: user
        for user in User.objects.filter(email__in={row[0] for row in DEMO_ACHIEVEMENTS} | {"leader@example.com"})
    }
    now = timezone.now()
    achievements = []
    for email, days_ago, tag, text, colours in DEMO_ACHIEVEMENTS:
        author = users[email]
        achievement = Achievement.objects.filter(club=club, author=author, text=text).first()
        if achievement is None:
            achievement = services.achievement_create(
                club=club,
                author=author,
                text=text,
                tag=tag,
                photo=_demo_photo(colours) if colours else None,
                now=now - timedelta(days=days_ago, hours=2),
            )
        achievements.append(achievement)
    for index, emails in DEMO_CHEERS.items():
        for email in emails:
            services.cheer_set(achievement=achievements[index], user=users[email], cheered=True)
    for index, comments in DEMO_COMMENTS.items():
        for email, text in comments:
            if not Comment.objects.filter(achievement=achievements[index], author=users[email], text=text).exists():
                services.comment_create(achievement=achievements[index], author=users[email], text=text)
    services.highlight_choose(achievement=achievements[0], leader=users["leader@example.com"], now=now)
