"""Member pages cached per viewer (core/pagecache.py): what each write shows at once, and whom a page reaches."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage, Message
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clubs.models import Membership, MembershipStatus
from tests.events.factories import EventOccurrenceFactory, RsvpFactory
from tests.factories import MembershipFactory, UserFactory
from tests.feed.factories import AchievementFactory, CheerFactory, CommentFactory
from tests.offers.factories import OfferFactory

# A page from the cache reads the session, the user, and the membership joined with the club: nothing else.
HIT_QUERIES = 3


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.MEMBER_PAGE_CACHE_SECONDS = 30
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(club):
    return MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.ACTIVE).user


def url(name, club):
    return reverse(name, args=[club.slug])


def get(client, path):
    """(response, number of queries it took)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, len(queries)


def warm(client, path):
    """View a page until it is in the cache: the first view sets the CSRF cookie, the second is stored."""
    client.get(path)
    response, _ = get(client, path)
    return response


def member_client(client, user):
    client.force_login(user)
    client.cookies.pop("csrftoken", None)
    return client


@pytest.mark.parametrize("name", ["clubs:club-home", "events:event-list", "feed:feed", "offers:offer-list"])
def test_second_view_of_a_member_page_comes_from_the_cache(client, club, member, name):
    member_client(client, member)
    client.get(url(name, club))  # a browser's first page sets its CSRF cookie, part of the key
    first, first_queries = get(client, url(name, club))
    second, second_queries = get(client, url(name, club))
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert first_queries > HIT_QUERIES
    assert second_queries <= HIT_QUERIES


def test_new_offer_shows_at_once(client, club, member):
    member_client(client, member)
    warm(client, url("offers:offer-list", club))
    OfferFactory(club=club, title="Half-price smoothie")
    response, _ = get(client, url("offers:offer-list", club))
    assert "Half-price smoothie" in response.content.decode()


def test_new_post_shows_at_once_to_its_author_and_to_others(client, club, member):
    other = MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.ACTIVE).user
    csrf = {}
    for user in (member, other):
        member_client(client, user)
        warm(client, url("feed:feed", club))
        csrf[user.pk] = client.cookies["csrftoken"].value
    AchievementFactory(club=club, author=member, text="Ran my first 10 km")
    for user in (member, other):
        client.force_login(user)  # each keeps their CSRF cookie, as their browser would
        client.cookies["csrftoken"] = csrf[user.pk]
        response, _ = get(client, url("feed:feed", club))
        assert "Ran my first 10 km" in response.content.decode()


def test_cheer_shows_at_once_to_the_member_who_cheered(client, club, member):
    post = AchievementFactory(club=club, author=UserFactory(), text="Swam 2 km")
    member_client(client, member)
    before = warm(client, url("feed:feed", club))
    assert 'aria-pressed="true"' not in before.content.decode()
    CheerFactory(achievement=post, user=member)
    after, _ = get(client, url("feed:feed", club))
    assert 'aria-pressed="true"' in after.content.decode()


def test_comment_renders_the_feed_again(client, club, member):
    post = AchievementFactory(club=club, author=member, text="Cycled 30 km")
    member_client(client, member)
    warm(client, url("feed:feed", club))
    CommentFactory(achievement=post, author=member, text="Thanks all")
    response, queries = get(client, url("feed:feed", club))
    assert response.status_code == 200
    assert queries > HIT_QUERIES


def test_rsvp_shows_at_once_to_the_member_who_answered(client, club, member):
    occurrence = EventOccurrenceFactory(club=club, series__club=club)
    member_client(client, member)
    before = warm(client, url("events:event-list", club))
    assert "You are going" not in before.content.decode()
    RsvpFactory(occurrence=occurrence, user=member, status="going")
    after, _ = get(client, url("events:event-list", club))
    assert "You are going" in after.content.decode()


def test_each_viewer_gets_their_own_page(client, club, member):
    member.display_name = "Alice Cached"
    member.save()
    other = MembershipFactory(
        club=club, plan=club.plans.first(), status=MembershipStatus.ACTIVE, user__display_name="Bob Viewer"
    ).user
    member_client(client, member)
    warm(client, url("offers:offer-list", club))
    member_client(client, other)
    response, _ = get(client, url("offers:offer-list", club))
    page = response.content.decode()
    assert "Bob Viewer" in page
    assert "Alice Cached" not in page


def test_a_change_of_language_shows_at_once(client, club, member):
    member_client(client, member)
    english = warm(client, url("offers:offer-list", club))
    assert '<html lang="en"' in english.content.decode()
    member.preferred_language = "de"
    member.save()
    german, _ = get(client, url("offers:offer-list", club))
    assert '<html lang="de"' in german.content.decode()


def test_lapsed_member_is_refused_although_their_page_is_cached(client, club, member):
    member_client(client, member)
    assert warm(client, url("offers:offer-list", club)).status_code == 200
    # update() sends no signal: nothing drops the cached page, and still the access check refuses.
    Membership.objects.filter(user=member, club=club).update(status=MembershipStatus.CANCELED)
    response, _ = get(client, url("offers:offer-list", club))
    assert response.status_code == 302
    assert response["Location"] == club.get_absolute_url()


def test_member_made_leader_sees_leader_tools_at_once(client, club, member):
    member_client(client, member)
    before = warm(client, url("offers:offer-list", club))
    manage = reverse("offers:offer-manage", args=[club.slug])
    assert manage not in before.content.decode()
    club.leaders.add(member)
    after, _ = get(client, url("offers:offer-list", club))
    assert manage in after.content.decode()


def test_page_with_pending_messages_is_not_served_from_the_cache(client, club, member):
    member_client(client, member)
    warm(client, url("offers:offer-list", club))
    # A message queued by a previous request, as the messages framework keeps it between requests.
    client.cookies["messages"] = CookieStorage(request=None)._encode([Message(constants.INFO, "Saved your answer.")])
    response, _ = get(client, url("offers:offer-list", club))
    assert "Saved your answer." in response.content.decode()


def test_member_pages_read_club_and_standing_in_one_query(client, club, member):
    """The club of the URL comes joined with the member's row: no separate lookup of the club by its slug."""
    member_client(client, member)
    for name in ("clubs:club-home", "events:event-list", "feed:feed", "offers:offer-list"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(name, club)).status_code == 200
        slug_lookups = [
            query["sql"]
            for query in queries
            if query["sql"].startswith('SELECT "clubs_club"') and '"clubs_club"."slug" =' in query["sql"]
        ]
        assert slug_lookups == [], name


def test_cache_off_renders_every_time(client, club, member, settings):
    settings.MEMBER_PAGE_CACHE_SECONDS = 0
    member_client(client, member)
    warm(client, url("offers:offer-list", club))
    _, queries = get(client, url("offers:offer-list", club))
    assert queries > HIT_QUERIES
