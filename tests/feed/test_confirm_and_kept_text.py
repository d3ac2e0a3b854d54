"""Issue 23, leader and member tools in the feed: deleting asks first, a refused post or comment keeps what the
member typed (also after a 429), and nobody reports their own post."""

import uuid

import pytest
from django.urls import reverse

from feed.models import Achievement, Comment, Report
from tests.feed.factories import AchievementFactory, CommentFactory, member_of


@pytest.fixture
def member(club):
    return member_of(club)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def limits_on(settings):
    """Limits on, counted in a fresh private cache (never clear a shared Redis other runs use)."""
    settings.RATE_LIMITS_ENABLED = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    return settings


# --- Delete asks first --------------------------------------------------------------------------


def test_post_delete_without_javascript_shows_a_confirm_page_and_deletes_nothing(member_client, club, member):
    achievement = AchievementFactory(club=club, author=member, text="Ran my first 5 km!")
    url = reverse("feed:achievement-delete", args=[club.slug, achievement.pk])
    asked = member_client.post(url)  # the card's Delete button, submitted without JavaScript
    content = asked.content.decode()
    assert asked.status_code == 200 and "Delete this post?" in content and "Ran my first 5 km!" in content
    assert Achievement.objects.filter(pk=achievement.pk).exists()
    done = member_client.post(url, {"confirm": "yes"})
    assert done.status_code == 302 and not Achievement.objects.filter(pk=achievement.pk).exists()


def test_post_delete_button_asks_with_hx_confirm_and_htmx_is_redirected(member_client, club, member):
    achievement = AchievementFactory(club=club, author=member)
    feed = member_client.get(reverse("feed:feed", args=[club.slug])).content.decode()
    assert 'hx-confirm="Delete this post?"' in feed and 'hx-vals=\'{"confirm": "yes"}\'' in feed
    url = reverse("feed:achievement-delete", args=[club.slug, achievement.pk])
    response = member_client.post(url, {"confirm": "yes"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("feed:feed", args=[club.slug])
    assert not Achievement.objects.filter(pk=achievement.pk).exists()


def test_comment_delete_without_javascript_shows_a_confirm_page_and_deletes_nothing(member_client, club, member):
    comment = CommentFactory(achievement=AchievementFactory(club=club), author=member, text="Well done you")
    url = reverse("feed:comment-delete", args=[club.slug, comment.pk])
    detail = member_client.get(comment.achievement.get_absolute_url()).content.decode()
    assert 'hx-confirm="Delete this comment?"' in detail
    asked = member_client.post(url, {"next": comment.achievement.get_absolute_url()})
    assert asked.status_code == 200 and "Delete this comment?" in asked.content.decode()
    assert Comment.objects.filter(pk=comment.pk).exists()
    done = member_client.post(url, {"confirm": "yes", "next": comment.achievement.get_absolute_url()})
    assert done["Location"] == comment.achievement.get_absolute_url()
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_someone_elses_post_gets_no_confirm_page(member_client, club):
    achievement = AchievementFactory(club=club, author=member_of(club))
    assert member_client.post(reverse("feed:achievement-delete", args=[club.slug, achievement.pk])).status_code == 404
    assert Achievement.objects.filter(pk=achievement.pk).exists()


# --- A refused post or comment keeps the text ---------------------------------------------------


def test_refused_comment_keeps_what_the_member_typed(member_client, club, settings):
    achievement = AchievementFactory(club=club)
    long_text = "So proud of you! " * 200  # over the comment's length limit
    response = member_client.post(reverse("feed:comment-create", args=[club.slug, achievement.pk]), {"text": long_text})
    assert response.status_code == 200
    assert "So proud of you! So proud of you!" in response.content.decode()  # back in the textarea
    assert not Comment.objects.exists()


def test_comment_after_a_429_keeps_what_the_member_typed(limits_on, member_client, club):
    limits_on.RATE_LIMITS = {"comment": "1/m"}
    achievement = AchievementFactory(club=club)
    url = reverse("feed:comment-create", args=[club.slug, achievement.pk])
    assert member_client.post(url, {"text": "First!"}).status_code == 302
    response = member_client.post(url, {"text": "My second thought, typed with care"})
    content = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"]
    assert "My second thought, typed with care</textarea>" in content
    assert "Your text is kept: try again in 1 minute." in content
    assert Comment.objects.count() == 1


def test_post_after_a_429_keeps_what_the_member_typed(limits_on, member_client, club):
    limits_on.RATE_LIMITS = {"achievement": "1/m"}
    url = reverse("feed:achievement-create", args=[club.slug])
    assert member_client.post(url, {"text": "Swam 1 km", "tag": "workout"}).status_code == 302
    response = member_client.post(url, {"text": "Cycled 40 km along the river", "tag": "workout"})
    content = response.content.decode()
    assert response.status_code == 429
    assert "Cycled 40 km along the river</textarea>" in content and "Your text is kept" in content
    assert Achievement.objects.count() == 1


# --- Reporting one's own post -------------------------------------------------------------------


def test_member_cannot_report_their_own_post(member_client, club, member):
    achievement = AchievementFactory(club=club, author=member)
    feed = member_client.get(reverse("feed:feed", args=[club.slug])).content.decode()
    assert reverse("feed:achievement-report", args=[club.slug, achievement.pk]) not in feed
    url = reverse("feed:achievement-report", args=[club.slug, achievement.pk])
    response = member_client.get(url, follow=True)  # typed by hand: no form, a reason
    assert "You cannot report your own post" in response.content.decode()
    member_client.post(url, {"reason": "spam"})
    assert not Report.objects.exists()


def test_member_still_reports_someone_elses_post(member_client, club):
    achievement = AchievementFactory(club=club, author=member_of(club))
    url = reverse("feed:achievement-report", args=[club.slug, achievement.pk])
    assert member_client.get(url).status_code == 200
    member_client.post(url, {"reason": "spam"})
    assert Report.objects.filter(achievement=achievement).exists()
