"""The notifications page, the bell and its refresh, marking read, and the email settings page."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.selectors import email_choices_for
from notifications.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def make_notifications(user, club, count: int, **fields) -> list[Notification]:
    return [
        Notification.objects.create(
            user=user,
            kind="offer_new",
            key=str(index),
            club=club,
            params={"offer_id": index, "offer_title": f"Offer number {index}", "club_name": club.name},
            url=f"/offers/{index}/",
            **fields,
        )
        for index in range(count)
    ]


class Elements(HTMLParser):
    """Every start tag with its attributes, for checking the markup the browser gets."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def bell_of(html: str) -> dict:
    return next(attrs for _tag, attrs in elements(html) if attrs.get("id") == "notification-bell")


@pytest.fixture
def alice(club, member_of):
    return member_of(club)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def test_the_page_lists_newest_first_and_paginates(alice_client, alice, club):
    make_notifications(alice, club, PAGE_SIZE + 3)
    response = alice_client.get(reverse("notifications:notification-list"))
    page = response.context["notifications"]
    assert [item.params["offer_id"] for item in page] == list(range(PAGE_SIZE + 2, 2, -1))
    assert "Offer number 22" in response.content.decode()
    second = alice_client.get(reverse("notifications:notification-list") + "?page=2").context["notifications"]
    assert [item.params["offer_id"] for item in second] == [2, 1, 0]
    # A page past the end or not a number: the last page, never a 500.
    assert alice_client.get(reverse("notifications:notification-list") + "?page=99").status_code == 200
    assert alice_client.get(reverse("notifications:notification-list") + "?page=x%00").status_code == 200


def test_the_page_shows_only_the_viewers_own(alice_client, alice, club, member_of):
    make_notifications(member_of(club), club, 2)
    assert list(alice_client.get(reverse("notifications:notification-list")).context["notifications"]) == []


@pytest.mark.parametrize("count", [1, 30])
def test_the_page_query_budget_is_constant_in_the_number_of_notifications(
    alice_client, alice, club, count, django_assert_max_num_queries
):
    make_notifications(alice, club, count)
    # session, user, bell count, page count, page rows, and the base layout's navigation (clubs led).
    with django_assert_max_num_queries(8):
        response = alice_client.get(reverse("notifications:notification-list"))
    assert response.status_code == 200
    assert len(response.context["notifications"]) == min(count, PAGE_SIZE)


def test_visiting_a_notification_marks_it_read_and_goes_to_its_link(alice_client, alice, club):
    first, second = make_notifications(alice, club, 2)
    response = alice_client.get(reverse("notifications:notification-open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/offers/0/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_a_stored_link_to_another_site_is_never_followed(alice_client, alice, club):
    notification = Notification.objects.create(user=alice, kind="offer_new", key="evil", url="//evil.example/")
    response = alice_client.get(reverse("notifications:notification-open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:notification-list")


def test_someone_elses_notification_is_404_and_stays_unread(alice_client, club, member_of):
    (theirs,) = make_notifications(member_of(club), club, 1)
    assert alice_client.get(reverse("notifications:notification-open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_is_a_post_form_that_works_without_javascript(alice_client, alice, club):
    make_notifications(alice, club, 3)
    page = alice_client.get(reverse("notifications:notification-list")).content.decode()
    forms = [attrs for tag, attrs in elements(page) if tag == "form" and attrs.get("method") == "post"]
    assert {"method": "post", "action": reverse("notifications:notification-mark-all-read")} in forms
    assert alice_client.get(reverse("notifications:notification-mark-all-read")).status_code == 405
    response = alice_client.post(reverse("notifications:notification-mark-all-read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()


def test_the_bell_shows_the_unread_count_on_every_page(alice_client, alice, club):
    make_notifications(alice, club, 3)
    Notification.objects.filter(pk=Notification.objects.filter(user=alice).first().pk).update(read_at=timezone.now())
    page = alice_client.get(reverse("clubs:my-clubs")).content.decode()
    bell = bell_of(page)
    assert bell["hx-get"] == reverse("notifications:bell")
    assert '<span class="badge rounded-pill text-bg-danger" data-testid="notification-count">2<' in page


def test_the_bell_refresh_is_not_a_polling_storm(alice_client, alice, club):
    """htmx asks only on the bell's own event, fired by bell.js at most once a minute while the tab is visible."""
    bell = bell_of(alice_client.get(reverse("notifications:notification-list")).content.decode())
    assert bell["hx-trigger"] == "notifications:refresh"  # no "every 2s", no "load", no "revealed"
    assert bell["data-refresh-seconds"] == "60"
    assert bell["hx-swap"] == "outerHTML"


def test_the_bell_script_refreshes_at_most_once_a_minute_and_only_while_visible():
    from django.contrib.staticfiles import finders

    with open(finders.find("notifications/bell.js"), encoding="utf-8") as file:
        script = file.read()
    assert 'document.visibilityState !== "visible"' in script
    assert "Date.now() - lastRefresh < intervalMs()" in script
    assert "(seconds > 0 ? seconds : 60) * 1000" in script


def test_the_bell_endpoint_returns_only_the_fragment_within_its_budget(
    alice_client, alice, club, django_assert_max_num_queries
):
    make_notifications(alice, club, 30)
    with django_assert_max_num_queries(3):  # session, user, one COUNT
        response = alice_client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<nav" not in html
    assert next(tag for tag, _attrs in elements(html)) == "li"
    assert bell_of(html)["id"] == "notification-bell"
    assert ">30<" in html
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_bell_counts_99_plus_beyond_99(alice_client, alice, club):
    make_notifications(alice, club, 100)
    assert ">99+<" in alice_client.get(reverse("notifications:bell")).content.decode()


def test_the_bell_in_arabic_has_native_digits(client, club, member_of):
    user = member_of(club, preferred_language="ar")
    make_notifications(user, club, 3)
    client.force_login(user)
    html = client.get(reverse("notifications:bell"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert ">٣<" in html


def test_the_settings_page_is_linked_from_the_profile(alice_client):
    profile = alice_client.get(reverse("members:profile")).content.decode()
    assert any(attrs.get("href") == reverse("notifications:preferences") for _tag, attrs in elements(profile))


def test_the_settings_page_stores_each_kinds_choice(alice_client, alice):
    page = alice_client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    data = {name: "never" for name in email_choices_for(user=alice)}
    data["reply"] = "digest"
    data["event_changed"] = "immediately"
    response = alice_client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    choices = email_choices_for(user=alice)
    assert (choices["reply"], choices["event_changed"], choices["cheer"]) == ("digest", "immediately", "never")


def test_the_settings_page_refuses_a_bad_choice_and_changes_nothing(alice_client, alice):
    before = email_choices_for(user=alice)
    data = {name: "never" for name in before}
    data["reply"] = "hourly\x00"
    response = alice_client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["reply"]
    assert email_choices_for(user=alice) == before


@pytest.mark.parametrize("count", [1, 30])
def test_the_admin_lists_notifications_read_only_within_a_budget(
    client, alice, club, count, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    make_notifications(alice, club, count)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:notifications_notification_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == count
    assert response.context["has_add_permission"] is False
    notification = Notification.objects.first()
    change = client.get(reverse("admin:notifications_notification_change", args=[notification.pk]))
    assert change.status_code == 200 and change.context["has_change_permission"] is False
    assert client.get(reverse("admin:notifications_notificationpreference_changelist")).status_code == 200
