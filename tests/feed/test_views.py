"""Feed pages: newest first, keyset-paginated (htmx and a plain link), tag filter, profiles with streaks,
cheers that work with and without JavaScript, moderation, member-only photos and query budgets."""

import base64
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feed.models import Achievement, Cheer, Comment, Report
from feed.selectors import feed_cursor
from feed.views import FEED_PAGE_SIZE
from tests.factories import UserFactory
from tests.feed.factories import (
    AchievementFactory,
    CheerFactory,
    CommentFactory,
    ReportFactory,
    achievement_with_photo,
    member_of,
)

pytestmark = pytest.mark.django_db


def feed_url(club, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("feed:feed", args=[club.slug]) + (f"?{query}" if query else "")


@pytest.fixture
def member(club):
    return member_of(club)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def leader(club):
    leader = UserFactory()
    club.leaders.add(leader)
    return leader


def test_posting_an_achievement_shows_it_first_in_the_feed(member_client, club, member):
    AchievementFactory(club=club, text="Older news", created_at=timezone.now() - timedelta(days=1))
    response = member_client.post(
        reverse("feed:achievement-create", args=[club.slug]), {"text": "Swam 1 km", "tag": "workout"}, follow=True
    )
    html = response.content.decode()
    assert "Shared with the club." in html
    assert html.index("Swam 1 km") < html.index("Older news")
    assert Achievement.objects.get(text="Swam 1 km").author == member


def test_text_over_the_limit_is_refused_and_nothing_is_created(member_client, club):
    response = member_client.post(reverse("feed:achievement-create", args=[club.slug]), {"text": "x" * 2001})
    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    assert not Achievement.objects.exists()


def test_feed_pages_with_an_older_posts_link_and_htmx_infinite_scroll(member_client, club):
    now = timezone.now()
    for index in range(FEED_PAGE_SIZE + 3):
        AchievementFactory(club=club, text=f"Post number {index:02d}", created_at=now - timedelta(minutes=index))
    html = member_client.get(feed_url(club)).content.decode()
    assert "Post number 00" in html and f"Post number {FEED_PAGE_SIZE - 1:02d}" in html
    assert f"Post number {FEED_PAGE_SIZE:02d}" not in html
    last_shown = Achievement.objects.get(text=f"Post number {FEED_PAGE_SIZE - 1:02d}")
    next_url = feed_url(club, before=feed_cursor(last_shown))
    assert f'href="{next_url}"' in html  # works without JavaScript
    assert f'hx-get="{next_url}" hx-trigger="revealed"' in html
    # htmx asks for the next page and gets only the cards, without the layout.
    partial = member_client.get(next_url, headers={"HX-Request": "true"})
    partial_html = partial.content.decode()
    assert "<html" not in partial_html
    assert f"Post number {FEED_PAGE_SIZE + 2:02d}" in partial_html and "Post number 00" not in partial_html
    assert "hx-trigger" not in partial_html  # the last page has no more to load
    assert "HX-Request" in partial["Vary"]
    # Without JavaScript the same link is a full page.
    assert "<html" in member_client.get(next_url).content.decode()


def test_feed_filters_by_tag(member_client, club):
    AchievementFactory(club=club, tag="nutrition", text="Ate greens")
    AchievementFactory(club=club, tag="workout", text="Lifted weights")
    html = member_client.get(feed_url(club, tag="nutrition")).content.decode()
    assert "Ate greens" in html and "Lifted weights" not in html
    unknown = member_client.get(feed_url(club, tag="<script>")).content.decode()
    assert "Ate greens" in unknown and "Lifted weights" in unknown


# --- Keyset ("cursor") pagination ---------------------------------------------------------------


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("feed.views.achievements.FEED_PAGE_SIZE", 3)
    return 3


def post(club, text, created_at, **fields) -> Achievement:
    return AchievementFactory(club=club, text=text, created_at=created_at, **fields)


def shown(response) -> list[str]:
    assert response.status_code == 200
    return [achievement.text for achievement in response.context["achievements"]]


def walk(client, url, *, htmx=False) -> list[list[int]]:
    """Follow the "Older posts" links from ``url`` to the end: the pks shown on each page."""
    pages = []
    while url:
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code == 200
        pages.append([achievement.pk for achievement in response.context["achievements"]])
        url = response.context["next_url"]
        assert len(pages) < 20, "the cursor does not advance"
    return pages


def newest_first(**filters) -> list[int]:
    return list(Achievement.objects.filter(**filters).order_by("-created_at", "-pk").values_list("pk", flat=True))


def test_older_posts_link_only_when_there_are_more(member_client, club, small_pages):
    now = timezone.now()
    for index in range(small_pages):
        post(club, f"Post {index}", now - timedelta(minutes=index))
    response = member_client.get(feed_url(club))
    assert response.context["next_url"] == "" and 'data-testid="feed-more"' not in response.content.decode()
    post(club, "Oldest", now - timedelta(hours=1))
    response = member_client.get(feed_url(club))
    assert shown(response) == ["Post 0", "Post 1", "Post 2"]
    assert 'data-testid="feed-more"' in response.content.decode()
    last = member_client.get(response.context["next_url"])
    assert shown(last) == ["Oldest"] and last.context["next_url"] == ""
    assert 'data-testid="feed-more"' not in last.content.decode()


@pytest.mark.parametrize("whole_seconds", [False, True])
@pytest.mark.parametrize("htmx", [False, True])
def test_each_page_continues_exactly_where_the_last_ended_even_when_posts_share_a_time(
    member_client, club, small_pages, htmx, whole_seconds
):
    now = timezone.now().replace(microsecond=0 if whole_seconds else 123456)
    minutes = [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 3, 3, 3]  # ties straddle the page boundaries
    random.Random(7).shuffle(minutes)  # pk order has nothing to do with time order
    for index, minute in enumerate(minutes):
        post(club, f"Post {index}", now - timedelta(minutes=minute))
    pages = walk(member_client, feed_url(club), htmx=htmx)
    assert [len(page) for page in pages] == [3, 3, 3, 3, 1]
    assert [pk for page in pages for pk in page] == newest_first(club=club)  # no duplicates, no gaps


def test_older_posts_keep_the_tag_filter(member_client, club, small_pages):
    now = timezone.now()
    for index in range(5):
        post(club, f"Workout {index}", now - timedelta(minutes=index), tag="workout")
        post(club, f"Nutrition {index}", now - timedelta(minutes=index), tag="nutrition")
    response = member_client.get(feed_url(club, tag="workout"))
    next_url = response.context["next_url"]
    assert "tag=workout" in next_url and "before=" in next_url
    assert f'href="{next_url.replace("&", "&amp;")}"' in response.content.decode()
    pages = walk(member_client, feed_url(club, tag="workout"))
    assert [pk for page in pages for pk in page] == newest_first(club=club, tag="workout")


def test_member_profile_pages_with_the_cursor(member_client, club, member, small_pages):
    now = timezone.now()
    for index in range(4):
        post(club, f"Mine {index}", now - timedelta(minutes=index), author=member)
        post(club, f"Theirs {index}", now - timedelta(minutes=index))  # same times, another author
    url = reverse("feed:member-profile", args=[club.slug, member.pk])
    response = member_client.get(url)
    assert shown(response) == ["Mine 0", "Mine 1", "Mine 2"]
    next_url = response.context["next_url"]
    assert next_url.startswith(f"{url}?before=")
    partial = member_client.get(next_url, headers={"HX-Request": "true"})
    assert shown(partial) == ["Mine 3"] and "<html" not in partial.content.decode()
    assert "HX-Request" in partial["Vary"]
    assert "<html" in member_client.get(next_url).content.decode()


def test_the_next_page_continues_when_the_last_shown_post_was_hidden_or_deleted(client, club, member, small_pages):
    now = timezone.now()
    posts = [post(club, f"Post {index}", now - timedelta(minutes=index)) for index in range(8)]
    client.force_login(member)
    next_url = client.get(feed_url(club)).context["next_url"]
    Achievement.objects.filter(pk=posts[2].pk).update(is_hidden=True)  # a leader hides the last one shown
    assert shown(client.get(next_url)) == ["Post 3", "Post 4", "Post 5"]
    posts[2].delete()
    assert shown(client.get(next_url)) == ["Post 3", "Post 4", "Post 5"]


def test_a_cursor_made_from_a_hidden_post_shows_only_what_the_member_may_see(member_client, club, small_pages):
    now = timezone.now()
    post(club, "Post 0", now)
    hidden = post(club, "Hidden 1", now - timedelta(minutes=1), is_hidden=True)
    post(club, "Post 2", now - timedelta(minutes=2))
    post(club, "Hidden 3", now - timedelta(minutes=3), is_hidden=True)
    post(club, "Post 4", now - timedelta(minutes=4))
    response = member_client.get(feed_url(club, before=feed_cursor(hidden)))
    assert shown(response) == ["Post 2", "Post 4"]
    assert "Hidden" not in response.content.decode() and response.context["next_url"] == ""


def test_a_cursor_made_from_another_clubs_post_shows_only_this_clubs_older_posts(
    member_client, club, other_club, small_pages
):
    now = timezone.now()
    post(club, "Here, newer", now)
    foreign = post(other_club, "Elsewhere", now - timedelta(minutes=1))
    post(other_club, "Elsewhere, older", now - timedelta(minutes=2))
    post(club, "Here, older", now - timedelta(minutes=3))
    response = member_client.get(feed_url(club, before=feed_cursor(foreign)))
    assert shown(response) == ["Here, older"] and "Elsewhere" not in response.content.decode()


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


GARBAGE_CURSORS = [
    "x",
    "!!!",
    "0",
    "' OR 1=1 --",
    "\u00e9t\u00e9",
    "A" * 500,
    base64.urlsafe_b64encode(b"\xff\xfe|1").decode(),
    b64("no separator"),
    b64("a|b|c"),
    b64("yesterday|5"),
    b64("2024-13-45T00:00:00+00:00|5"),
    b64("2024-01-01T00:00:00|5"),  # no time zone
    b64("2024-01-01T00:00:00+00:00|0"),
    b64("2024-01-01T00:00:00+00:00|-5"),
    b64("2024-01-01T00:00:00+00:00|" + "9" * 40),
    b64("0001-01-01T00:00:00+01:00|5"),  # before year 1 in UTC
]


@pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
def test_a_garbage_cursor_gives_the_first_page(member_client, club, member, small_pages, cursor):
    now = timezone.now()
    for index in range(5):
        post(club, f"Post {index}", now - timedelta(minutes=index))
    url = reverse("feed:feed", args=[club.slug])
    response = member_client.get(url, {"before": cursor})
    assert shown(response) == ["Post 0", "Post 1", "Post 2"] and not response.context["continued"]
    partial = member_client.get(url, {"before": cursor}, headers={"HX-Request": "true"})
    assert shown(partial) == ["Post 0", "Post 1", "Post 2"] and "<html" not in partial.content.decode()
    post(club, "Mine", now, author=member)
    profile = member_client.get(reverse("feed:member-profile", args=[club.slug, member.pk]), {"before": cursor})
    assert shown(profile) == ["Mine"] and not profile.context["continued"]


def test_a_cursor_past_either_end_is_a_clean_page(member_client, club, small_pages):
    post(club, "Only post", timezone.now())
    oldest = member_client.get(feed_url(club, before=b64("0001-01-01T00:00:00+00:00|1")))
    assert shown(oldest) == [] and oldest.context["continued"]
    assert 'data-testid="feed-empty"' not in oldest.content.decode()  # the end of the feed, not an empty feed
    newest = member_client.get(feed_url(club, before=b64("9999-12-31T23:59:59.999999+00:00|1")))
    assert shown(newest) == ["Only post"]


def test_old_page_links_give_the_first_page(member_client, club, small_pages):
    now = timezone.now()
    for index in range(5):
        post(club, f"Post {index}", now - timedelta(minutes=index))
    response = member_client.get(feed_url(club, page=2))
    assert shown(response) == ["Post 0", "Post 1", "Post 2"] and "<html" in response.content.decode()
    partial = member_client.get(feed_url(club, page=2), headers={"HX-Request": "true"})
    assert shown(partial) == ["Post 0", "Post 1", "Post 2"] and "<html" not in partial.content.decode()


def test_feed_shows_only_this_clubs_achievements(member_client, club, other_club):
    AchievementFactory(club=other_club, text="Elsewhere")
    AchievementFactory(club=club, text="Here")
    html = member_client.get(feed_url(club)).content.decode()
    assert "Here" in html and "Elsewhere" not in html


def test_another_clubs_achievement_is_404_through_this_club(member_client, club, other_club):
    elsewhere = AchievementFactory(club=other_club)
    for name in ("achievement-detail", "achievement-report"):
        assert member_client.get(reverse(f"feed:{name}", args=[club.slug, elsewhere.pk])).status_code == 404
    response = member_client.post(reverse("feed:achievement-cheer", args=[club.slug, elsewhere.pk]), {"cheered": "1"})
    assert response.status_code == 404
    assert not Cheer.objects.exists()


def test_member_profile_lists_their_achievements_and_streak(member_client, club, member):
    now = timezone.now()
    for weeks_ago in (0, 1, 2):
        AchievementFactory(
            club=club, author=member, text=f"Week -{weeks_ago}", created_at=now - timedelta(weeks=weeks_ago)
        )
    AchievementFactory(club=club, text="Someone else's")
    html = member_client.get(reverse("feed:member-profile", args=[club.slug, member.pk])).content.decode()
    assert "Week -0" in html and "Week -2" in html and "Someone else&#x27;s" not in html
    assert "3-week streak" in html


def test_profile_of_someone_without_access_is_404(member_client, club, other_club):
    outsider = member_of(other_club)
    assert member_client.get(reverse("feed:member-profile", args=[club.slug, outsider.pk])).status_code == 404


def test_cheer_with_htmx_swaps_the_button_and_without_javascript_redirects_back(member_client, club):
    achievement = AchievementFactory(club=club)
    url = reverse("feed:achievement-cheer", args=[club.slug, achievement.pk])
    response = member_client.post(url, {"cheered": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Cheered" in html and "1 cheer" in html and 'name="cheered" value="0"' in html
    back = member_client.post(url, {"cheered": "0", "next": feed_url(club) + "?tag=workout"})
    assert back.status_code == 302 and back["Location"] == feed_url(club) + "?tag=workout"
    assert not Cheer.objects.exists()
    offsite = member_client.post(url, {"cheered": "1", "next": "https://evil.example.com/"})
    assert offsite["Location"].startswith(feed_url(club))


def test_comment_is_added_and_shown_on_the_post(member_client, club, member):
    achievement = AchievementFactory(club=club)
    response = member_client.post(
        reverse("feed:comment-create", args=[club.slug, achievement.pk]), {"text": "So proud of you"}, follow=True
    )
    assert "So proud of you" in response.content.decode()
    assert Comment.objects.get().author == member


def test_empty_comment_is_refused_with_a_message(member_client, club):
    achievement = AchievementFactory(club=club)
    response = member_client.post(
        reverse("feed:comment-create", args=[club.slug, achievement.pk]), {"text": " "}, follow=True
    )
    assert "This field is required." in response.content.decode()
    assert not Comment.objects.exists()


def test_author_edits_and_deletes_their_own_post(member_client, club, member):
    achievement = AchievementFactory(club=club, author=member, text="First draft")
    edit = reverse("feed:achievement-edit", args=[club.slug, achievement.pk])
    assert member_client.get(edit).status_code == 200
    member_client.post(edit, {"text": "Final words", "tag": "milestone"})
    achievement.refresh_from_db()
    assert (achievement.text, achievement.tag) == ("Final words", "milestone")
    member_client.post(reverse("feed:achievement-delete", args=[club.slug, achievement.pk]), {"confirm": "yes"})
    assert not Achievement.objects.exists()


def test_editing_an_achievement_keeps_its_event_link(member_client, club, member):
    from tests.events.factories import AttendanceFactory, EventOccurrenceFactory

    attended = AttendanceFactory(occurrence=EventOccurrenceFactory(club=club), user=member).occurrence
    achievement = AchievementFactory(club=club, author=member, text="Ran it", event=attended)
    edit = reverse("feed:achievement-edit", args=[club.slug, achievement.pk])
    form = member_client.get(edit).context["form"]
    assert form["event"].value() == attended.pk  # the edit form shows the link it keeps
    member_client.post(edit, {"text": "Ran it in 30 min", "tag": "", "event": str(attended.pk)})
    achievement.refresh_from_db()
    assert (achievement.text, achievement.event_id) == ("Ran it in 30 min", attended.pk)
    member_client.post(edit, {"text": "Ran it in 30 min", "tag": "", "event": ""})
    achievement.refresh_from_db()
    assert achievement.event_id is None  # choosing "No event" still unlinks it


def test_a_member_cannot_edit_or_delete_someone_elses_post_or_comment(member_client, club):
    achievement = AchievementFactory(club=club)
    comment = CommentFactory(achievement=achievement)
    assert member_client.get(reverse("feed:achievement-edit", args=[club.slug, achievement.pk])).status_code == 404
    assert member_client.post(reverse("feed:achievement-delete", args=[club.slug, achievement.pk])).status_code == 404
    assert member_client.get(reverse("feed:comment-edit", args=[club.slug, comment.pk])).status_code == 404
    assert member_client.post(reverse("feed:comment-delete", args=[club.slug, comment.pk])).status_code == 404
    assert Achievement.objects.exists() and Comment.objects.exists()


def test_author_edits_their_comment(member_client, club, member):
    comment = CommentFactory(achievement=AchievementFactory(club=club), author=member)
    member_client.post(reverse("feed:comment-edit", args=[club.slug, comment.pk]), {"text": "Edited"})
    comment.refresh_from_db()
    assert comment.text == "Edited" and comment.edited_at


def test_members_report_once_and_leaders_see_the_report(client, member_client, club, leader):
    achievement = AchievementFactory(club=club, text="Buy my pills")
    url = reverse("feed:achievement-report", args=[club.slug, achievement.pk])
    assert "Report a post" in member_client.get(url).content.decode()
    first = member_client.post(url, {"reason": "Spam"}, follow=True)
    assert "The club&#x27;s leaders will look at it." in first.content.decode()
    again = member_client.post(url, {"reason": "Spam"}, follow=True)
    assert "You already reported this." in again.content.decode()
    assert Report.objects.count() == 1
    client.force_login(leader)
    html = client.get(reverse("feed:report-list", args=[club.slug])).content.decode()
    assert "Buy my pills" in html and "Spam" in html


def test_hidden_content_is_invisible_to_members_and_marked_for_leaders(client, club, leader, member):
    visible = AchievementFactory(club=club, text="Visible post")
    hidden = AchievementFactory(club=club, author=member_of(club), text="Hidden post", is_hidden=True)
    CommentFactory(achievement=visible, text="Hidden comment", is_hidden=True)
    client.force_login(member)
    assert "Hidden post" not in client.get(feed_url(club)).content.decode()
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert "Hidden comment" not in client.get(visible.get_absolute_url()).content.decode()
    assert client.get(reverse("feed:member-profile", args=[club.slug, hidden.author_id])).status_code == 200
    assert (
        "Hidden post"
        not in client.get(reverse("feed:member-profile", args=[club.slug, hidden.author_id])).content.decode()
    )
    client.force_login(leader)
    html = client.get(feed_url(club)).content.decode()
    assert "Hidden post" in html and 'data-testid="hidden-marker"' in html
    detail = client.get(visible.get_absolute_url()).content.decode()
    assert "Hidden comment" in detail and "Hidden from members" in detail


def test_leader_hides_restores_and_deletes_from_the_report_list(client, club, leader):
    report = ReportFactory(achievement=AchievementFactory(club=club), reporter=member_of(club))
    comment_report = ReportFactory(
        achievement=None,
        club=club,
        comment=CommentFactory(achievement=AchievementFactory(club=club)),
        reporter=member_of(club),
    )
    client.force_login(leader)
    reports = reverse("feed:report-list", args=[club.slug])
    moderate = reverse("feed:achievement-moderate", args=[club.slug, report.achievement_id])
    assert client.post(moderate, {"action": "hide", "next": reports})["Location"] == reports
    report.refresh_from_db()
    assert Achievement.objects.get(pk=report.achievement_id).is_hidden
    assert report.resolution == "hidden"
    client.post(moderate, {"action": "restore"})
    assert not Achievement.objects.get(pk=report.achievement_id).is_hidden
    client.post(
        reverse("feed:comment-delete", args=[club.slug, comment_report.comment_id]), {"next": reports, "confirm": "yes"}
    )
    assert not Comment.objects.exists()
    client.post(
        reverse("feed:achievement-delete", args=[club.slug, report.achievement_id]), {"next": reports, "confirm": "yes"}
    )
    assert not Achievement.objects.filter(pk=report.achievement_id).exists()
    assert "No open reports" in client.get(reports).content.decode()


def test_leader_picks_the_highlight_of_the_week_shown_on_club_home(client, club, leader, member):
    achievement = AchievementFactory(club=club, text="Climbed the stairs all week")
    for _ in range(4):
        AchievementFactory(club=club)  # newer posts: the highlight still shows
    client.force_login(leader)
    client.post(reverse("feed:achievement-highlight", args=[club.slug, achievement.pk]))
    client.force_login(member)
    html = client.get(reverse("clubs:club-home", args=[club.slug])).content.decode()
    assert "Highlight of the week of" in html and "Climbed the stairs all week" in html


def test_a_hidden_highlight_leaves_club_home(client, club, leader, member):
    achievement = AchievementFactory(club=club, text="Soon hidden")
    client.force_login(leader)
    client.post(reverse("feed:achievement-highlight", args=[club.slug, achievement.pk]))
    client.post(reverse("feed:achievement-moderate", args=[club.slug, achievement.pk]), {"action": "hide"})
    client.force_login(member)
    html = client.get(reverse("clubs:club-home", args=[club.slug])).content.decode()
    assert "Soon hidden" not in html and "Highlight of the week of" not in html


# --- Member-only photos -----------------------------------------------------------------------


def test_photo_is_served_privately_to_members(member_client, club):
    achievement = achievement_with_photo(club=club)
    for size in ("feed", "full"):
        response = member_client.get(reverse("feed:achievement-photo", args=[club.slug, achievement.pk, size]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "private" in response["Cache-Control"]
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    html = member_client.get(feed_url(club)).content.decode()
    assert reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "feed"]) in html
    assert "/media/club-media/" not in html


def test_photo_of_a_hidden_post_or_through_another_club_is_404(member_client, club, other_club, leader, client):
    achievement = achievement_with_photo(club=club)
    Achievement.objects.filter(pk=achievement.pk).update(is_hidden=True)
    url = reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "feed"])
    assert member_client.get(url).status_code == 404
    assert (
        member_client.get(reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "huge"])).status_code
        == 404
    )
    foreign = achievement_with_photo(club=other_club)
    assert member_client.get(reverse("feed:achievement-photo", args=[club.slug, foreign.pk, "feed"])).status_code == 404
    client.force_login(leader)
    assert client.get(url).status_code == 200


def test_photo_is_404_for_a_member_who_lost_access(member_client, club, member):
    achievement = achievement_with_photo(club=club)
    url = reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "feed"])
    assert member_client.get(url).status_code == 200
    member.memberships.update(status="canceled")
    assert member_client.get(url).status_code == 404


def test_profile_form_offers_the_digest_preference(member_client):
    html = member_client.get(reverse("members:profile")).content.decode()
    assert 'name="email_activity_digest"' in html


# --- Query budgets: the same count at 1 and at 100 achievements with cheers and comments -----


def fill_feed(club, rows: int, authors: list):
    for index in range(rows):
        achievement = AchievementFactory(club=club, author=authors[index % len(authors)])
        for fan in authors[:3]:
            CheerFactory(achievement=achievement, user=fan)
        CommentFactory(achievement=achievement, author=authors[0])
        CommentFactory(achievement=achievement, author=authors[1], is_hidden=True)


FEED_QUERY_BUDGET = 10


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("as_leader", [False, True])
def test_feed_query_budget_is_the_same_for_1_and_100_achievements(client, club, leader, as_leader):
    authors = [member_of(club) for _ in range(3)]
    client.force_login(leader if as_leader else authors[0])
    url = feed_url(club)
    fill_feed(club, 1, authors)
    with_one = count_queries(client, url)
    fill_feed(club, 99, authors)
    with_hundred = count_queries(client, url)
    assert with_one == with_hundred <= FEED_QUERY_BUDGET
    deep = Achievement.objects.filter(club=club).order_by("-created_at", "-pk")[3 * FEED_PAGE_SIZE - 1]
    assert with_hundred == count_queries(client, feed_url(club, before=feed_cursor(deep)))


def achievement_sql(queries) -> list[str]:
    return [query["sql"] for query in queries if 'FROM "feed_achievement"' in query["sql"]]


@pytest.mark.parametrize("as_leader", [False, True])
def test_a_deep_page_costs_the_same_queries_as_the_first_and_never_counts_or_offsets(client, club, leader, as_leader):
    authors = [member_of(club) for _ in range(3)]
    fill_feed(club, 100, authors)
    client.force_login(leader if as_leader else authors[0])
    deep = Achievement.objects.filter(club=club).order_by("-created_at", "-pk")[4 * FEED_PAGE_SIZE - 1]
    profile = reverse("feed:member-profile", args=[club.slug, authors[0].pk])
    deep_in_profile = Achievement.objects.filter(club=club, author=authors[0]).order_by("-created_at", "-pk")[
        FEED_PAGE_SIZE - 1
    ]
    client.get(feed_url(club))  # the first request of a session may do one-off work
    for first_url, deep_url in [
        (feed_url(club), feed_url(club, before=feed_cursor(deep))),
        (profile, f"{profile}?before={feed_cursor(deep_in_profile)}"),
    ]:
        with CaptureQueriesContext(connection) as first:
            assert client.get(first_url).status_code == 200
        with CaptureQueriesContext(connection) as deeper:
            response = client.get(deep_url)
        assert response.status_code == 200 and response.context["achievements"]
        assert len(deeper) == len(first)
        for sql in achievement_sql(first) + achievement_sql(deeper):
            assert "COUNT(*)" not in sql and "OFFSET" not in sql.upper()
        page_reads = [sql for sql in achievement_sql(deeper) if f"LIMIT {FEED_PAGE_SIZE + 1}" in sql]
        assert len(page_reads) == 1  # one read of page size + 1 rows tells whether there is a next page


@pytest.mark.parametrize("rows", [1, 100])
def test_feed_and_profile_query_budgets(client, club, rows, django_assert_max_num_queries):
    authors = [member_of(club) for _ in range(3)]
    fill_feed(club, rows, authors)
    client.force_login(authors[1])
    with django_assert_max_num_queries(FEED_QUERY_BUDGET):
        assert client.get(feed_url(club)).status_code == 200
    with django_assert_max_num_queries(FEED_QUERY_BUDGET + 1):  # + the streak
        assert client.get(reverse("feed:member-profile", args=[club.slug, authors[0].pk])).status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_detail_and_report_list_query_budgets(client, club, leader, rows, django_assert_max_num_queries):
    achievement = AchievementFactory(club=club)
    for _ in range(rows):
        comment = CommentFactory(achievement=achievement, author=member_of(club))
        ReportFactory(achievement=None, club=club, comment=comment, reporter=member_of(club))
        ReportFactory(achievement=AchievementFactory(club=club), reporter=member_of(club))
    client.force_login(leader)
    with django_assert_max_num_queries(9):  # + the notifications bell's count
        assert client.get(achievement.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(9):  # + the notifications bell's count
        assert client.get(reverse("feed:report-list", args=[club.slug])).status_code == 200


def test_the_form_offers_attended_events_and_the_post_links_to_the_event(member_client, club, member):
    from tests.events.factories import AttendanceFactory, EventOccurrenceFactory

    attended = AttendanceFactory(
        occurrence=EventOccurrenceFactory(club=club, title="Park yoga"), user=member
    ).occurrence
    EventOccurrenceFactory(club=club, title="Missed meetup")
    html = member_client.get(reverse("feed:feed", args=[club.slug])).content.decode()
    assert "Park yoga" in html and "Missed meetup" not in html
    response = member_client.post(
        reverse("feed:achievement-create", args=[club.slug]), {"text": "Namaste", "event": attended.pk}, follow=True
    )
    assert Achievement.objects.get().event == attended
    assert attended.get_absolute_url() in response.content.decode()
