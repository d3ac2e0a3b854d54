"""Leader announcements (issue 21): posting, pinning on club home, the list, edit and delete, images, comments
with moderation, and who may see them. The emails are in test_announcements_email.py."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from clubs.models import MembershipStatus
from feed import services
from feed.exceptions import FeedError
from feed.models import Announcement, AnnouncementComment, Report
from feed.templatetags.feed_tags import announcement_text
from tests.factories import MembershipFactory, UserFactory
from tests.feed.factories import (
    AnnouncementCommentFactory,
    AnnouncementFactory,
    image_bytes,
    leader_of,
    member_of,
    photo_upload,
)

pytestmark = pytest.mark.django_db

GPS_INFO_TAG = 0x8825


@pytest.fixture
def leader(club):
    return leader_of(club, display_name="Lea Leader")


@pytest.fixture
def member(club):
    return member_of(club, display_name="Mo Member")


def _create_url(club) -> str:
    return reverse("feed:announcement-create", args=[club.slug])


def _post(client, club, **fields):
    data = {"title": "Park run moves", "text": "Saturday at 9, see https://example.org/map.", "pinned": "on"}
    data.update(fields)
    return client.post(_create_url(club), data)


# --- Posting and who may -------------------------------------------------------------------------------


def test_leader_posts_an_announcement_and_it_is_pinned_on_club_home(client, club, leader, member):
    client.force_login(leader)
    response = _post(client, club)
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == announcement.get_absolute_url()
    assert (announcement.title, announcement.author, announcement.is_pinned) == ("Park run moves", leader, True)

    client.force_login(member)
    home = client.get(reverse("clubs:club-home", args=[club.slug]))
    assert [a.pk for a in home.context["pinned_announcements"]] == [announcement.pk]
    assert "Park run moves" in home.content.decode()


def test_unpinned_announcement_leaves_club_home_but_stays_on_the_list(client, club, leader, member):
    announcement = AnnouncementFactory(club=club, author=leader)
    client.force_login(leader)
    pin_url = reverse("feed:announcement-pin", args=[club.slug, announcement.pk])
    client.post(pin_url, {"pinned": "0"})
    client.post(pin_url, {"pinned": "0"})  # set, not flipped: a repeated click stays unpinned
    announcement.refresh_from_db()
    assert announcement.is_pinned is False

    client.force_login(member)
    assert client.get(reverse("clubs:club-home", args=[club.slug])).context["pinned_announcements"] == []
    listed = client.get(reverse("feed:announcement-list", args=[club.slug])).context["announcements"]
    assert [a.pk for a in listed] == [announcement.pk]

    client.force_login(leader)
    client.post(pin_url, {"pinned": "1"})
    announcement.refresh_from_db()
    assert announcement.is_pinned is True


def test_member_cannot_post_an_announcement(client, club, member):
    with pytest.raises(FeedError):
        services.announcement_create(club=club, author=member, title="Hi", text="Hello")
    client.force_login(member)
    assert _post(client, club).status_code == 404
    assert client.get(_create_url(club)).status_code == 404
    assert not Announcement.objects.exists()


def test_leader_of_another_club_cannot_post_here(club, other_club):
    stranger = leader_of(other_club)
    with pytest.raises(FeedError):
        services.announcement_create(club=club, author=stranger, title="Hi", text="Hello")


def test_empty_title_or_text_is_refused_with_the_form_and_nothing_is_created(client, club, leader):
    client.force_login(leader)
    response = _post(client, club, title="", text="")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "text"}
    assert not Announcement.objects.exists()


def test_a_title_with_a_line_break_is_refused_by_the_form_and_folded_by_the_service(client, club, leader):
    client.force_login(leader)
    response = _post(client, club, title="Park\r\nrun")
    assert "title" in response.context["form"].errors
    assert not Announcement.objects.exists()
    announcement = services.announcement_create(club=club, author=leader, title="Park\nrun", text="Hello")
    assert announcement.title == "Park run"


def test_text_over_the_limit_is_refused(club, leader):
    with pytest.raises(FeedError):
        services.announcement_create(club=club, author=leader, title="Long", text="x" * 5001)
    assert not Announcement.objects.exists()


# --- Text: escaped, http(s) links only -------------------------------------------------------------------


def test_announcement_text_escapes_and_links_only_http_and_https():
    text = (
        "Hi <script>alert(1)</script> & see https://example.org/a?b=1&c=2. "
        "Or javascript:alert(1), www.example.com, mail@example.com and http://x.test/(y)"
    )
    expected = (
        "Hi &lt;script&gt;alert(1)&lt;/script&gt; &amp; see "
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener" target="_blank">'
        "https://example.org/a?b=1&amp;c=2</a>. "
        "Or javascript:alert(1), www.example.com, mail@example.com and "
        '<a href="http://x.test/(y)" rel="nofollow noopener" target="_blank">http://x.test/(y)</a>'
    )
    assert str(announcement_text(text)) == expected


def test_announcement_text_keeps_quotes_out_of_the_link_and_breaks_lines():
    rendered = str(announcement_text('Go to "https://example.org/x" now\nthen home'))
    assert rendered == (
        'Go to &quot;<a href="https://example.org/x" rel="nofollow noopener" target="_blank">https://example.org/x</a>'
        "&quot; now<br>then home"
    )


def test_leader_text_on_the_page_is_escaped_and_isolated_with_dir_auto(client, club, leader, member):
    announcement = AnnouncementFactory(club=club, author=leader, title="مرحبا <b>", text="<img src=x onerror=1>")
    client.force_login(member)
    page = client.get(announcement.get_absolute_url()).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=1&gt;" in page
    assert '<div class="announcement-text mb-2" dir="auto">' in page
    assert "<bdi>مرحبا &lt;b&gt;</bdi>" in page


# --- The list: paginated, query budget -----------------------------------------------------------------


def test_announcement_list_pages_pinned_first_then_newest(client, club, leader, member):
    now = timezone.now()
    old_pinned = AnnouncementFactory(club=club, author=leader, is_pinned=True, created_at=now - timedelta(days=30))
    unpinned = [
        AnnouncementFactory(club=club, author=leader, is_pinned=False, created_at=now - timedelta(days=day))
        for day in range(1, 12)
    ]
    client.force_login(member)
    url = reverse("feed:announcement-list", args=[club.slug])
    first = client.get(url).context["page"]
    expected = [old_pinned.pk] + [a.pk for a in unpinned]  # pinned first, then newest first (day 1 is newest)
    assert [a.pk for a in first.object_list] == expected[:10]
    second = client.get(url, {"page": 2}).context["page"]
    assert [a.pk for a in second.object_list] == expected[10:]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999999999999", "2"])
def test_announcement_list_with_a_bad_page_number_is_a_clean_page(client, club, leader, member, page):
    AnnouncementFactory(club=club, author=leader)
    client.force_login(member)
    response = client.get(reverse("feed:announcement-list", args=[club.slug]), {"page": page})
    assert response.status_code == 200
    assert len(response.context["announcements"]) == 1


@pytest.mark.parametrize("count", [1, 25])
def test_announcement_list_query_budget_is_constant(client, club, leader, member, count, django_assert_max_num_queries):
    for index in range(count):
        announcement = AnnouncementFactory(club=club, author=leader, is_pinned=index % 2 == 0)
        AnnouncementCommentFactory(announcement=announcement, author=member)
    client.force_login(member)
    url = reverse("feed:announcement-list", args=[club.slug])
    client.get(url)  # warm caches of the request (sessions, site)
    with django_assert_max_num_queries(9):  # 8 measured: session, user, club, viewer, count, page, bell, +1 spare
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["announcements"]) == min(count, 10)


@pytest.mark.parametrize("count", [1, 8])
def test_club_home_announcements_cost_one_query_however_many(club, leader, count, django_assert_num_queries):
    from feed.selectors import club_home_announcements

    for _ in range(count):
        AnnouncementFactory(club=club, author=leader)
    with django_assert_num_queries(1):
        pinned = club_home_announcements(club=club)
        [announcement.author.public_name for announcement in pinned]
    assert len(pinned) == min(count, 3)


# --- Who sees them ---------------------------------------------------------------------------------------


def test_members_without_access_never_see_announcements(client, club, leader):
    announcement = AnnouncementFactory(club=club, author=leader, title="Secret plans")
    lapsed = MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.CANCELED).user
    client.force_login(lapsed)
    assert client.get(announcement.get_absolute_url()).status_code == 404
    listing = client.get(reverse("feed:announcement-list", args=[club.slug]))
    assert listing.status_code == 302 and "Secret plans" not in listing.content.decode()


def test_another_clubs_announcement_is_404_through_this_club(client, club, other_club, member):
    elsewhere = AnnouncementFactory(club=other_club)
    client.force_login(member)
    assert client.get(reverse("feed:announcement-detail", args=[club.slug, elsewhere.pk])).status_code == 404
    elsewhere_leader = leader_of(other_club)
    client.force_login(elsewhere_leader)
    own = AnnouncementFactory(club=other_club)
    assert client.get(reverse("feed:announcement-detail", args=[club.slug, own.pk])).status_code == 404


# --- Edit and delete -------------------------------------------------------------------------------------


def test_leader_edits_an_announcement(client, club, leader):
    announcement = AnnouncementFactory(club=club, author=leader, comments_enabled=True)
    client.force_login(leader)
    url = reverse("feed:announcement-edit", args=[club.slug, announcement.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "New title", "text": "New words"})
    assert response.status_code == 302
    announcement.refresh_from_db()
    assert (announcement.title, announcement.text, announcement.comments_enabled) == ("New title", "New words", False)
    assert announcement.edited_at is not None


def test_delete_without_confirmation_shows_the_confirm_page_and_deletes_nothing(client, club, leader):
    announcement = AnnouncementFactory(club=club, author=leader, title="Going away")
    client.force_login(leader)
    url = reverse("feed:announcement-delete", args=[club.slug, announcement.pk])
    response = client.post(url)
    assert response.status_code == 200
    assert "Going away" in response.content.decode()
    assert Announcement.objects.filter(pk=announcement.pk).exists()
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert not Announcement.objects.filter(pk=announcement.pk).exists()


def test_member_cannot_edit_delete_or_pin(client, club, leader, member):
    announcement = AnnouncementFactory(club=club, author=leader)
    client.force_login(member)
    for name in ("announcement-edit", "announcement-delete", "announcement-pin", "announcement-email"):
        url = reverse(f"feed:{name}", args=[club.slug, announcement.pk])
        assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert Announcement.objects.filter(pk=announcement.pk, is_pinned=True).exists()


# --- Image: the feed's pipeline, member-only -------------------------------------------------------------


def test_image_is_reencoded_without_exif_and_served_only_to_the_club(client, club, leader, member, other_club):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    upload = photo_upload(size=(2000, 1000), exif=exif.tobytes())
    client.force_login(leader)
    _post(client, club, image=upload)
    announcement = Announcement.objects.get()
    assert announcement.image.name.startswith(f"club-media/{club.pk}/announcements/")
    assert "run" not in announcement.image.name  # the uploaded file's name is never kept
    with announcement.image.open("rb") as stored, Image.open(stored) as image:
        assert max(image.size) == 1600
        assert 0x010F not in image.getexif()
    with announcement.image_small.open("rb") as stored, Image.open(stored) as image:
        assert max(image.size) == 800

    small = reverse("feed:announcement-image", args=[club.slug, announcement.pk, "small"])
    client.force_login(member)
    response = client.get(small)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    client.force_login(UserFactory())
    assert client.get(small).status_code == 404
    client.logout()
    assert client.get(small).status_code == 404


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_created(client, club, leader):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(leader)
    response = _post(client, club, image=SimpleUploadedFile("x.jpg", b"%PDF-1.4 no", content_type="image/jpeg"))
    assert "image" in response.context["form"].errors
    assert not Announcement.objects.exists()


def test_edit_replaces_or_removes_the_image(client, club, leader, django_capture_on_commit_callbacks):
    announcement = services.announcement_create(
        club=club, author=leader, title="With image", text="Look", image=io.BytesIO(image_bytes())
    )
    old_name = announcement.image.name
    storage = announcement.image.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.announcement_update(
            announcement=announcement, editor=leader, title="With image", text="Look", comments_enabled=False,
            remove_image=True,
        )  # fmt: skip
    announcement.refresh_from_db()
    assert not announcement.image and not announcement.image_small
    assert not storage.exists(old_name)


# --- Comments: only when allowed; reported and moderated like the feed's ---------------------------------


def test_member_comments_when_the_leader_allows_it(client, club, leader, member):
    announcement = AnnouncementFactory(club=club, author=leader, comments_enabled=True)
    client.force_login(member)
    url = reverse("feed:announcement-comment-create", args=[club.slug, announcement.pk])
    response = client.post(url, {"text": "Count me in"})
    comment = AnnouncementComment.objects.get()
    assert response["Location"] == announcement.get_absolute_url() + f"#comment-{comment.pk}"
    assert (comment.author, comment.text) == (member, "Count me in")


def test_comments_closed_refuses_the_comment_and_keeps_nothing(client, club, leader, member):
    announcement = AnnouncementFactory(club=club, author=leader, comments_enabled=False)
    client.force_login(member)
    page = client.get(announcement.get_absolute_url()).content.decode()
    assert 'id="comment-form"' not in page
    response = client.post(
        reverse("feed:announcement-comment-create", args=[club.slug, announcement.pk]), {"text": "Sneaky"}
    )
    assert response.status_code == 200
    assert "Comments are closed on this announcement." in str(response.context["comment_form"].errors)
    assert not AnnouncementComment.objects.exists()


def test_a_reported_announcement_comment_reaches_the_leaders_and_hiding_it_answers_the_report(
    client, club, leader, member
):
    announcement = AnnouncementFactory(club=club, author=leader)
    comment = AnnouncementCommentFactory(announcement=announcement, author=member_of(club), text="Rude words")
    client.force_login(member)
    client.post(reverse("feed:announcement-comment-report", args=[club.slug, comment.pk]), {"reason": "Unkind"})
    report = Report.objects.get()
    assert (report.announcement_comment, report.club, report.reason) == (comment, club, "Unkind")

    client.force_login(leader)
    reports_page = client.get(reverse("feed:report-list", args=[club.slug]))
    assert "Rude words" in reports_page.content.decode()
    assert "Comment on an announcement" in reports_page.content.decode()
    client.post(reverse("feed:announcement-comment-moderate", args=[club.slug, comment.pk]), {"action": "hide"})
    comment.refresh_from_db()
    report.refresh_from_db()
    assert comment.is_hidden and report.resolution == "hidden" and report.resolved_by == leader

    client.force_login(member)
    assert "Rude words" not in client.get(announcement.get_absolute_url()).content.decode()
    assert client.get(reverse("feed:announcement-comment-report", args=[club.slug, comment.pk])).status_code == 404


def test_a_member_cannot_report_their_own_comment_or_report_twice(club, leader, member):
    comment = AnnouncementCommentFactory(announcement=AnnouncementFactory(club=club, author=leader), author=member)
    with pytest.raises(FeedError):
        services.report_create(reporter=member, announcement_comment=comment)
    other = member_of(club)
    services.report_create(reporter=other, announcement_comment=comment)
    with pytest.raises(FeedError):
        services.report_create(reporter=other, announcement_comment=comment)
    assert Report.objects.count() == 1


def test_comment_author_or_leader_deletes_a_comment_others_get_404(client, club, leader, member):
    announcement = AnnouncementFactory(club=club, author=leader)
    comment = AnnouncementCommentFactory(announcement=announcement, author=member)
    url = reverse("feed:announcement-comment-delete", args=[club.slug, comment.pk])
    client.force_login(member_of(club))
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    client.force_login(member)
    assert client.post(url).status_code == 200  # the confirm page first
    assert AnnouncementComment.objects.filter(pk=comment.pk).exists()
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert not AnnouncementComment.objects.filter(pk=comment.pk).exists()


def test_deleting_an_announcement_removes_its_comments_and_image(club, leader, django_capture_on_commit_callbacks):
    announcement = services.announcement_create(
        club=club, author=leader, title="Bye", text="Soon gone", image=io.BytesIO(image_bytes())
    )
    AnnouncementCommentFactory(announcement=announcement, author=member_of(club))
    name, storage = announcement.image.name, announcement.image.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.announcement_delete(announcement=announcement, actor=leader)
    assert not AnnouncementComment.objects.exists()
    assert not storage.exists(name)


@pytest.mark.parametrize("count", [1, 30])
def test_announcement_page_query_budget_is_constant_in_comments(
    client, club, leader, member, count, django_assert_max_num_queries
):
    announcement = AnnouncementFactory(club=club, author=leader, comments_enabled=True)
    for _ in range(count):
        AnnouncementCommentFactory(announcement=announcement, author=member_of(club))
    client.force_login(member)
    client.get(announcement.get_absolute_url())
    with django_assert_max_num_queries(9):  # 8 measured, whatever the number of comments
        response = client.get(announcement.get_absolute_url())
    assert len(response.context["comments"]) == count
