"""The feed's rules, at the service level: cheers, comments, moderation, highlight, streak and digest."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError

from clubs.permissions import club_viewer
from feed import selectors, services
from feed.exceptions import FeedError
from feed.models import Achievement, Cheer, Comment, Report, ReportResolution, WeeklyHighlight
from feed.tasks import send_activity_digests
from tests.factories import UserFactory
from tests.feed.factories import AchievementFactory, CheerFactory, CommentFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(club):
    leader = UserFactory()
    club.leaders.add(leader)
    return leader


@pytest.fixture
def post(club):
    return AchievementFactory(club=club, author=member_of(club))


# --- Posting ---------------------------------------------------------------------------------


def test_create_refuses_empty_and_too_long_text_and_unknown_tags(club):
    author = member_of(club)
    with pytest.raises(FeedError):
        services.achievement_create(club=club, author=author, text="   ")
    with pytest.raises(FeedError, match="under 2000 characters"):
        services.achievement_create(club=club, author=author, text="x" * 2001)
    with pytest.raises(FeedError):
        services.achievement_create(club=club, author=author, text="ok", tag="<b>")
    assert not Achievement.objects.exists()


def test_only_the_author_edits_a_post(post, club):
    with pytest.raises(FeedError):
        services.achievement_update(achievement=post, editor=member_of(club), text="changed", event=None)
    services.achievement_update(achievement=post, editor=post.author, text="changed", tag="nutrition", event=None)
    post.refresh_from_db()
    assert (post.text, post.tag) == ("changed", "nutrition")
    assert post.edited_at is not None


def test_author_or_leader_deletes_a_post_but_not_another_member(post, club, leader):
    with pytest.raises(FeedError):
        services.achievement_delete(achievement=post, actor=member_of(club))
    services.achievement_delete(achievement=post, actor=leader)
    assert not Achievement.objects.exists()


def test_deleting_a_post_removes_its_photos_after_commit(club, django_capture_on_commit_callbacks):
    from tests.feed.factories import achievement_with_photo

    post = achievement_with_photo(club=club)
    storage, names = post.photo.storage, [post.photo.name, post.photo_feed.name]
    assert all(storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        services.achievement_delete(achievement=post, actor=post.author)
    assert not any(storage.exists(name) for name in names)


# --- Cheers and comments --------------------------------------------------------------------


def test_cheer_is_set_not_flipped_so_repeats_keep_one_cheer(post, club):
    fan = member_of(club)
    assert services.cheer_set(achievement=post, user=fan, cheered=True) is True
    assert services.cheer_set(achievement=post, user=fan, cheered=True) is True
    assert Cheer.objects.filter(achievement=post).count() == 1
    assert services.cheer_set(achievement=post, user=fan, cheered=False) is False
    assert services.cheer_set(achievement=post, user=fan, cheered=False) is False
    assert not Cheer.objects.exists()


def test_the_database_allows_one_cheer_per_member_and_achievement(post, club):
    fan = member_of(club)
    CheerFactory(achievement=post, user=fan)
    with pytest.raises(IntegrityError):
        CheerFactory(achievement=post, user=fan)


def test_cheers_and_comments_are_counted_by_annotation(post, club, leader):
    for _ in range(3):
        CheerFactory(achievement=post, user=member_of(club))
    CommentFactory(achievement=post, author=member_of(club))
    CommentFactory(achievement=post, author=member_of(club), is_hidden=True)
    viewer = club_viewer(user=post.author, club=club)
    counted = selectors.achievement_get(club=club, pk=post.pk, viewer=viewer, user=post.author)
    assert (counted.cheer_count, counted.comment_count, counted.viewer_cheered) == (3, 1, False)
    as_leader = selectors.achievement_get(
        club=club, pk=post.pk, viewer=club_viewer(user=leader, club=club), user=leader
    )
    assert as_leader.comment_count == 2  # leaders also count what they hid


def test_comments_have_a_length_limit_and_only_their_author_edits_them(post, club):
    with pytest.raises(FeedError):
        services.comment_create(achievement=post, author=member_of(club), text="x" * 1001)
    comment = services.comment_create(achievement=post, author=member_of(club), text="  Great!  ")
    assert comment.text == "Great!"
    with pytest.raises(FeedError):
        services.comment_update(comment=comment, editor=post.author, text="hijacked")
    with pytest.raises(FeedError):
        services.comment_delete(comment=comment, actor=post.author)
    services.comment_update(comment=comment, editor=comment.author, text="Great run!")
    services.comment_delete(comment=comment, actor=comment.author)
    assert not Comment.objects.exists()


# --- Moderation -------------------------------------------------------------------------------


def test_a_member_reports_a_post_or_comment_once_and_never_their_own(post, club):
    reporter = member_of(club)
    services.report_create(reporter=reporter, achievement=post, reason="spam")
    with pytest.raises(FeedError, match="already reported"):
        services.report_create(reporter=reporter, achievement=post)
    with pytest.raises(FeedError):
        services.report_create(reporter=post.author, achievement=post)
    comment = CommentFactory(achievement=post, author=member_of(club))
    services.report_create(reporter=reporter, comment=comment)
    assert Report.objects.filter(reporter=reporter).count() == 2


def test_hiding_answers_open_reports_and_restoring_shows_it_again(post, club, leader):
    services.report_create(reporter=member_of(club), achievement=post)
    services.report_create(reporter=member_of(club), achievement=post)
    services.item_set_hidden(item=post, moderator=leader, hidden=True)
    post.refresh_from_db()
    assert post.is_hidden and post.hidden_by == leader
    assert set(Report.objects.values_list("resolution", flat=True)) == {ReportResolution.HIDDEN}
    services.item_set_hidden(item=post, moderator=leader, hidden=False)
    post.refresh_from_db()
    assert not post.is_hidden and post.hidden_by is None


def test_members_cannot_moderate(post, club):
    with pytest.raises(FeedError):
        services.item_set_hidden(item=post, moderator=member_of(club), hidden=True)


def test_leaders_of_another_club_cannot_moderate(post, other_club):
    stranger = UserFactory()
    other_club.leaders.add(stranger)
    with pytest.raises(FeedError):
        services.item_set_hidden(item=post, moderator=stranger, hidden=True)


# --- Recognition ------------------------------------------------------------------------------


def test_highlight_of_the_week_is_one_per_club_week_and_replaced_when_chosen_again(club, leader):
    monday = datetime(2026, 11, 23, 12, tzinfo=UTC)
    first, second = AchievementFactory(club=club), AchievementFactory(club=club)
    services.highlight_choose(achievement=first, leader=leader, now=monday)
    services.highlight_choose(achievement=second, leader=leader, now=monday + timedelta(days=3))
    highlight = WeeklyHighlight.objects.get()
    assert (highlight.achievement, highlight.week_start) == (second, date(2026, 11, 23))
    services.highlight_choose(achievement=first, leader=leader, now=monday + timedelta(days=7))
    assert WeeklyHighlight.objects.count() == 2


def test_week_starts_at_the_clubs_midnight(club):
    club.time_zone = "Pacific/Auckland"  # UTC+13 in November
    # Sunday 11:30 UTC is already Monday 00:30 in Auckland.
    assert services.club_week_start(club=club, at=datetime(2026, 11, 22, 11, 30, tzinfo=UTC)) == date(2026, 11, 23)
    club.time_zone = "UTC"
    assert services.club_week_start(club=club, at=datetime(2026, 11, 22, 11, 30, tzinfo=UTC)) == date(2026, 11, 16)


def test_streak_counts_consecutive_weeks_and_this_week_may_still_come():
    this_week = date(2026, 11, 23)
    weeks = {this_week - timedelta(weeks=n) for n in (1, 2, 3, 5)}
    assert selectors.streak_from_weeks(weeks=weeks, current_week=this_week) == 3
    assert selectors.streak_from_weeks(weeks=weeks | {this_week}, current_week=this_week) == 4
    assert selectors.streak_from_weeks(weeks={this_week - timedelta(weeks=2)}, current_week=this_week) == 0
    assert selectors.streak_from_weeks(weeks=set(), current_week=this_week) == 0


def test_member_streak_uses_the_clubs_time_zone_and_ignores_hidden_posts(club):
    club.time_zone = "America/New_York"
    club.save()
    member = member_of(club)
    now = datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wednesday
    # Monday 03:00 UTC is still Sunday evening in New York: last week, not this week.
    for at in (datetime(2026, 11, 23, 3, tzinfo=UTC), datetime(2026, 11, 10, 15, tzinfo=UTC)):
        AchievementFactory(club=club, author=member, created_at=at)
    AchievementFactory(club=club, author=member, created_at=datetime(2026, 11, 4, 15, tzinfo=UTC), is_hidden=True)
    assert selectors.member_streak(club=club, member=member, now=now) == 2


# --- Digest -------------------------------------------------------------------------------------


def test_digest_sends_one_email_for_many_cheers_and_comments_then_nothing_twice(post, club):
    author = post.author
    second = AchievementFactory(club=club, author=author, text="Second")
    fans = [member_of(club, display_name=f"Fan {n}") for n in range(3)]
    for fan in fans:
        CheerFactory(achievement=post, user=fan)
    CommentFactory(achievement=second, author=fans[0], text="Keep going")
    assert services.activity_digest_send(user_id=author.pk) == 4
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [author.email]
    assert "Fan 0, Fan 1, Fan 2" in message.body and "Keep going" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert services.activity_digest_send(user_id=author.pk) == 0
    assert len(mail.outbox) == 1
    # Only what is new goes into the next digest.
    CommentFactory(achievement=post, author=fans[1], text="One more")
    assert services.activity_digest_send(user_id=author.pk) == 1
    assert "One more" in mail.outbox[1].body and "Keep going" not in mail.outbox[1].body


def test_digest_respects_the_preference(post, club):
    post.author.email_activity_digest = False
    post.author.save()
    CheerFactory(achievement=post, user=member_of(club))
    assert services.activity_digest_send(user_id=post.author.pk) == 0
    assert services.activity_digest_author_ids() == []
    assert mail.outbox == []


def test_digest_leaves_out_own_actions_hidden_comments_and_hidden_posts(post, club):
    CheerFactory(achievement=post, user=post.author)
    CommentFactory(achievement=post, author=post.author)
    CommentFactory(achievement=post, author=member_of(club), is_hidden=True)
    hidden_post = AchievementFactory(club=club, author=post.author, is_hidden=True)
    CheerFactory(achievement=hidden_post, user=member_of(club))
    assert services.activity_digest_send(user_id=post.author.pk) == 0
    assert mail.outbox == []


def test_digest_is_in_the_authors_language(post, club):
    post.author.preferred_language = "de"
    post.author.save()
    CheerFactory(achievement=post, user=member_of(club))
    services.activity_digest_send(user_id=post.author.pk)
    assert mail.outbox[0].subject  # rendered under translation.override("de"); no crash without a catalogue


def test_digest_skips_old_news_and_authors_who_lost_access(post, club):
    cheer = CheerFactory(achievement=post, user=member_of(club))
    later = cheer.created_at + services.DIGEST_LOOKBACK + timedelta(minutes=1)
    assert services.activity_digest_send(user_id=post.author.pk, now=later) == 0
    lapsed_author = member_of(club)
    lapsed_author.memberships.update(status="canceled")
    CheerFactory(achievement=AchievementFactory(club=club, author=lapsed_author), user=member_of(club))
    assert services.activity_digest_send(user_id=lapsed_author.pk) == 0


def test_periodic_task_queues_one_digest_per_author(post, club):
    other = AchievementFactory(club=club, author=member_of(club))
    for target in (post, post, other):
        CheerFactory(achievement=target, user=member_of(club))
    assert send_activity_digests.apply().get() == 2  # eager in tests: the digests are sent inline
    assert sorted(message.to[0] for message in mail.outbox) == sorted([post.author.email, other.author.email])
    assert send_activity_digests.apply().get() == 0


# --- Link to an event the author attended -------------------------------------------------------


def test_a_post_links_only_an_event_of_this_club_the_author_attended(club, other_club):
    from events.models import EventOccurrence
    from tests.events.factories import AttendanceFactory, EventOccurrenceFactory

    author = member_of(club)
    attended = AttendanceFactory(occurrence=EventOccurrenceFactory(club=club), user=author).occurrence
    missed = EventOccurrenceFactory(club=club)
    elsewhere = AttendanceFactory(occurrence=EventOccurrenceFactory(club=other_club), user=author).occurrence
    assert list(selectors.events_attended_by(club=club, user=author)) == [attended]
    for event in (missed, elsewhere):
        with pytest.raises(FeedError, match="that you attended"):
            services.achievement_create(club=club, author=author, text="Was there", event=event)
    post = services.achievement_create(club=club, author=author, text="Was there", event=attended)
    assert post.event == attended
    EventOccurrence.objects.filter(pk=attended.pk).delete()
    post.refresh_from_db()
    assert post.event is None  # the post outlives the event
