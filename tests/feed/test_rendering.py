"""Members' words and file names are shown as text: script and HTML render inert, links become links."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feed import services
from feed.models import Achievement
from feed.templatetags.feed_tags import member_text
from tests.feed.factories import AchievementFactory, CheerFactory, member_of, photo_upload

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("owned")</script>'
HTML = '<img src=x onerror="alert(1)"><b>bold</b>'
ATTRIBUTE_BREAKOUT = '"><svg onload=alert(2)>'


def assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html
    assert "<svg onload" not in html


def test_member_text_escapes_html_and_links_only_web_addresses():
    rendered = member_text(f"{SCRIPT} {HTML} see https://example.com/plan?a=1&b=2 or javascript:alert(3)\nnext")
    assert_inert(rendered)
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in rendered
    assert '<a href="https://example.com/plan?a=1&amp;b=2" rel="nofollow">' in rendered
    assert 'href="javascript' not in rendered
    assert "<br>next" in rendered


def test_script_and_html_in_an_achievement_render_inert_in_feed_detail_profile_and_club_home(client, club):
    author = member_of(club)
    achievement = AchievementFactory(
        club=club, author=author, text=f"{SCRIPT}{HTML}{ATTRIBUTE_BREAKOUT} https://example.com"
    )
    client.force_login(author)
    pages = [
        reverse("feed:feed", args=[club.slug]),
        achievement.get_absolute_url(),
        reverse("feed:member-profile", args=[club.slug, author.pk]),
        reverse("clubs:club-home", args=[club.slug]),
        reverse("feed:achievement-edit", args=[club.slug, achievement.pk]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert_inert(html)
        assert "&lt;script&gt;" in html, url


def test_script_and_html_in_a_comment_and_a_report_render_inert(client, club):
    achievement = AchievementFactory(club=club, author=member_of(club))
    commenter, leader = member_of(club), member_of(club)
    club.leaders.add(leader)
    comment = services.comment_create(
        achievement=achievement, author=commenter, text=f"{SCRIPT}{HTML}{ATTRIBUTE_BREAKOUT}"
    )
    services.report_create(reporter=member_of(club), comment=comment, reason=f"{SCRIPT}{ATTRIBUTE_BREAKOUT}")
    client.force_login(commenter)
    assert_inert(client.get(achievement.get_absolute_url()).content.decode())
    client.force_login(leader)
    report_page = client.get(reverse("feed:report-list", args=[club.slug])).content.decode()
    assert_inert(report_page)
    assert "&lt;script&gt;" in report_page


def test_a_hostile_file_name_is_never_stored_nor_rendered(client, club):
    author = member_of(club)
    client.force_login(author)
    name = f"{ATTRIBUTE_BREAKOUT}{SCRIPT}.png"
    response = client.post(
        reverse("feed:achievement-create", args=[club.slug]),
        {"text": "With a photo", "photo": photo_upload(name=name, fmt="PNG")},
        follow=True,
    )
    assert response.status_code == 200
    achievement = Achievement.objects.get()
    assert "script" not in achievement.photo.name and "svg" not in achievement.photo_feed.name
    for url in (reverse("feed:feed", args=[club.slug]), achievement.get_absolute_url()):
        html = client.get(url).content.decode()
        assert_inert(html)
        assert "owned" not in html  # the name is not shown at all, escaped or not


def test_a_hostile_file_name_in_a_refused_upload_is_not_echoed(client, club):
    client.force_login(member_of(club))
    upload = SimpleUploadedFile(f"{ATTRIBUTE_BREAKOUT}{SCRIPT}.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(reverse("feed:achievement-create", args=[club.slug]), {"text": "x", "photo": upload})
    assert response.status_code == 200
    assert "This file is not an image we can read." in response.content.decode()
    assert_inert(response.content.decode())


def test_the_digest_email_shows_comments_as_text(club):
    author = member_of(club)
    achievement = AchievementFactory(club=club, author=author, text=SCRIPT)
    services.comment_create(achievement=achievement, author=member_of(club), text=f"{HTML}{SCRIPT}")
    CheerFactory(achievement=achievement, user=member_of(club, display_name=ATTRIBUTE_BREAKOUT))
    services.activity_digest_send(user_id=author.pk)
    html_part = mail.outbox[0].alternatives[0][0]
    assert_inert(html_part)
    assert "&lt;script&gt;" in html_part
