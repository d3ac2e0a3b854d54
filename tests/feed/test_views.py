"""Feed pages: newest first, paginated (htmx and a plain link), tag filter, profiles with streaks,
cheers that work with and without JavaScript, moderation, member-only photos and query budgets."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feed.models import Achievement, Cheer, Comment, Report
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
    next_url = feed_url(club, page=2)
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
    member_client.post(reverse("feed:achievement-delete", args=[club.slug, achievement.pk]))
    assert not Achievement.objects.exists()


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
    client.post(reverse("feed:comment-delete", args=[club.slug, comment_report.comment_id]), {"next": reports})
    assert not Comment.objects.exists()
    client.post(reverse("feed:achievement-delete", args=[club.slug, report.achievement_id]), {"next": reports})
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
    assert with_hundred == count_queries(client, url + "?page=3")


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
    with django_assert_max_num_queries(8):
        assert client.get(achievement.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(8):
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
