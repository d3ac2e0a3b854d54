"""Access-matrix rows for the feed app's URLs (collected by tests/test_access_matrix.py).

Member-only: people without access to the member area get 404 for every post, comment and photo
(anonymous people are asked to log in, except for photos, which are simply 404). The feed and the
member profile invite non-members to join, like club home. Leaders of another club are nobody here.
"""

import io

from django.urls import reverse

from feed.models import Achievement, Announcement, Comment
from tests.access import LOGIN, MFA_SETUP, Page, club_detail, everyone, signed_in
from tests.feed.factories import (
    AchievementFactory,
    AnnouncementCommentFactory,
    AnnouncementFactory,
    CommentFactory,
    achievement_with_photo,
    image_bytes,
    leader_of,
    member_of,
)

INSIDE = ("member", "leader", "staff")  # roles that may enter the club's member area
# Staff without two-factor would enter only by staff powers: they are sent to set it up first.
NEEDS_MFA = {"staff_without_mfa": MFA_SETUP}


def member_area(outcome, leaders_only=None) -> dict:
    """Anonymous: log in; no access: 404; inside: ``outcome`` (leaders and staff: ``leaders_only`` if given)."""
    expected = {**signed_in(404), **dict.fromkeys(INSIDE, outcome), **NEEDS_MFA}
    if leaders_only is not None:
        expected.update(member=404, leader=leaders_only, staff=leaders_only)
    return expected


def invite_to_join(outcome) -> dict:
    """Like club home: log in first; without access, the club's page to join."""
    return {**signed_in(club_detail), "anonymous": LOGIN, **dict.fromkeys(INSIDE, outcome), **NEEDS_MFA}


def _achievement(club) -> Achievement:
    return AchievementFactory(club=club, author=member_of(club))


def _comment(club) -> Comment:
    return CommentFactory(achievement=_achievement(club), author=member_of(club))


def _latest_achievement(club) -> Achievement:
    return Achievement.objects.filter(club=club).latest("pk")


def achievement_url(name: str, *extra):
    return lambda club: reverse(f"feed:{name}", args=[club.slug, _achievement(club).pk, *extra])


def comment_url(name: str):
    return lambda club: reverse(f"feed:{name}", args=[club.slug, _comment(club).pk])


def detail_of_latest(suffix: str = ""):
    return lambda club: _latest_achievement(club).get_absolute_url() + suffix


def feed_url(club) -> str:
    return reverse("feed:feed", args=[club.slug])


def photo_url(size: str):
    return lambda club: reverse("feed:achievement-photo", args=[club.slug, achievement_with_photo(club=club).pk, size])


def _announcement(club, **fields) -> Announcement:
    return AnnouncementFactory(club=club, author=leader_of(club), comments_enabled=True, **fields)


def _announcement_with_image(club) -> Announcement:
    """Through the service, so the image is stored as in production (two re-encoded copies, private)."""
    from feed import services

    return services.announcement_create(
        club=club, author=leader_of(club), title="With a picture", text="Look", image=io.BytesIO(image_bytes())
    )


def _latest_announcement_url(club) -> str:
    return Announcement.objects.filter(club=club).latest("pk").get_absolute_url()


def announcement_url(name: str, *extra, make=_announcement):
    return lambda club: reverse(f"feed:{name}", args=[club.slug, make(club).pk, *extra])


def announcement_comment_url(name: str):
    def url(club) -> str:
        comment = AnnouncementCommentFactory(announcement=_announcement(club), author=member_of(club))
        return reverse(f"feed:{name}", args=[club.slug, comment.pk])

    return url


# Announcements: everyone inside reads and comments; only leaders (and staff) post, edit, pin, email, delete.
ANNOUNCEMENT_PAGES = [
    Page("announcement-list", lambda club: reverse("feed:announcement-list", args=[club.slug]), invite_to_join(200)),
    Page(
        "announcement-create",
        lambda club: reverse("feed:announcement-create", args=[club.slug]),
        member_area(200, leaders_only=200),
    ),
    # Posted empty: the form again saying why (200), nothing created; members get 404.
    Page(
        "announcement-create-post",
        lambda club: reverse("feed:announcement-create", args=[club.slug]),
        member_area(200, leaders_only=200),
        method="post",
    ),
    Page("announcement-detail", announcement_url("announcement-detail"), member_area(200)),
    Page("announcement-edit", announcement_url("announcement-edit"), member_area(200, leaders_only=200)),
    Page(
        # Without confirm=yes the POST shows the confirm page and deletes nothing.
        "announcement-delete",
        announcement_url("announcement-delete"),
        member_area(200, leaders_only=200),
        method="post",
    ),
    Page(
        "announcement-pin",
        announcement_url("announcement-pin"),
        member_area(200, leaders_only=_latest_announcement_url),
        method="post",
    ),
    Page(
        "announcement-email",
        announcement_url("announcement-email"),
        member_area(200, leaders_only=_latest_announcement_url),
        method="post",
    ),
    Page(
        "announcement-image",
        announcement_url("announcement-image", "small", make=_announcement_with_image),
        {**everyone(404), **dict.fromkeys(INSIDE, 200), **NEEDS_MFA},
    ),
    Page(
        "announcement-image-full",
        announcement_url("announcement-image", "full", make=_announcement_with_image),
        {**everyone(404), **dict.fromkeys(INSIDE, 200), **NEEDS_MFA},
    ),
    Page(
        # Posted empty: the announcement's page again with the form saying why.
        "announcement-comment-create",
        announcement_url("announcement-comment-create"),
        member_area(200),
        method="post",
    ),
    Page(
        # Only the author or a leader; nobody in the matrix wrote it. Leaders get the confirm page.
        "announcement-comment-delete",
        announcement_comment_url("announcement-comment-delete"),
        member_area(200, leaders_only=200),
        method="post",
    ),
    Page("announcement-comment-report", announcement_comment_url("announcement-comment-report"), member_area(200)),
    Page(
        "announcement-comment-moderate",
        announcement_comment_url("announcement-comment-moderate"),
        member_area(200, leaders_only=_latest_announcement_url),
        method="post",
    ),
]

PAGES = [
    *ANNOUNCEMENT_PAGES,
    Page("feed", feed_url, invite_to_join(200)),
    Page(
        "member-profile",
        lambda club: reverse("feed:member-profile", args=[club.slug, member_of(club).pk]),
        invite_to_join(200),
    ),
    Page("achievement-create", lambda club: reverse("feed:achievement-create", args=[club.slug]), member_area(200)),
    # An empty post is refused with the form again (200), and nothing is created.
    Page(
        "achievement-create-post",
        lambda club: reverse("feed:achievement-create", args=[club.slug]),
        member_area(200),
        method="post",
    ),
    Page("achievement-detail", achievement_url("achievement-detail"), member_area(200)),
    # Only the author edits: nobody in the matrix wrote it.
    Page("achievement-edit", achievement_url("achievement-edit"), {**signed_in(404), **NEEDS_MFA}),
    Page(
        # Without confirm=yes (a form without JavaScript) the POST shows the confirm page and deletes nothing.
        "achievement-delete",
        achievement_url("achievement-delete"),
        member_area(200, leaders_only=200),
        method="post",
    ),
    Page(
        "achievement-cheer",
        achievement_url("achievement-cheer"),
        member_area(lambda club: feed_url(club) + f"#achievement-{_latest_achievement(club).pk}"),
        method="post",
    ),
    Page(
        # Posted empty: the post's page again, the form saying why (a refused comment keeps what was typed).
        "comment-create",
        achievement_url("comment-create"),
        member_area(200),
        method="post",
    ),
    Page("achievement-report", achievement_url("achievement-report"), member_area(200)),
    Page(
        "achievement-moderate",
        achievement_url("achievement-moderate"),
        member_area(200, leaders_only=detail_of_latest()),
        method="post",
    ),
    Page(
        "achievement-highlight",
        achievement_url("achievement-highlight"),
        member_area(200, leaders_only=detail_of_latest()),
        method="post",
    ),
    Page("achievement-photo", photo_url("feed"), {**everyone(404), **dict.fromkeys(INSIDE, 200), **NEEDS_MFA}),
    Page("achievement-photo-full", photo_url("full"), {**everyone(404), **dict.fromkeys(INSIDE, 200), **NEEDS_MFA}),
    Page("comment-edit", comment_url("comment-edit"), {**signed_in(404), **NEEDS_MFA}),
    Page(
        "comment-delete",
        comment_url("comment-delete"),
        member_area(200, leaders_only=200),
        method="post",
    ),
    Page("comment-report", comment_url("comment-report"), member_area(200)),
    Page(
        "comment-moderate",
        comment_url("comment-moderate"),
        member_area(200, leaders_only=detail_of_latest()),
        method="post",
    ),
    Page(
        "report-list",
        lambda club: reverse("feed:report-list", args=[club.slug]),
        member_area(200, leaders_only=200),
    ),
]
