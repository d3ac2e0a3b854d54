import uuid

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core.ratelimit import Rate, hit, rate_limit, rates_parse
from tests.factories import UserFactory


@pytest.fixture
def limits_on(settings):
    """Limits on, counted in a fresh private cache (never clear a shared Redis other runs use)."""
    settings.RATE_LIMITS_ENABLED = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    return settings


@rate_limit(action="test-post", rate="3/m")
def limited_view(request):
    return HttpResponse("ok")


def post(path="/thing/", user=None, ip="10.0.0.1", method="post"):
    request = getattr(RequestFactory(), method)(path, REMOTE_ADDR=ip)
    from django.contrib.auth.models import AnonymousUser

    request.user = user or AnonymousUser()
    request.session = {}
    request._messages = []
    return request


def test_rates_parse_accepts_multipliers_and_lists():
    assert rates_parse("5/10m,100/d") == [Rate(5, 600), Rate(100, 86400)]


def test_a_malformed_rate_fails_at_import_time():
    with pytest.raises(ValueError, match="Malformed rate"):
        rate_limit(action="x", rate="ten per minute")


def test_posts_beyond_the_rate_answer_429_with_a_clear_message(limits_on, db):
    for _ in range(3):
        assert limited_view(post()).status_code == 200
    response = limited_view(post())
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many requests" in response.content.decode()
    assert "Nothing was changed" in response.content.decode()


def test_the_message_is_translated(limits_on, db):
    from django.utils import translation

    for _ in range(3):
        limited_view(post())
    with translation.override("de"):
        response = limited_view(post())
    assert response.status_code == 429
    assert 'lang="de"' in response.content.decode()


def test_reading_a_page_never_uses_up_the_allowance(limits_on, db):
    for _ in range(10):
        assert limited_view(post(method="get")).status_code == 200
    assert limited_view(post()).status_code == 200


def test_each_user_has_an_allowance_of_their_own(limits_on, db):
    alice, bob = UserFactory(), UserFactory()
    for _ in range(3):
        limited_view(post(user=alice))
    assert limited_view(post(user=alice)).status_code == 429
    assert limited_view(post(user=bob)).status_code == 200


def test_settings_override_the_rate_by_action_name(limits_on, db):
    limits_on.RATE_LIMITS = {"test-post": "1/m"}
    assert limited_view(post()).status_code == 200
    assert limited_view(post()).status_code == 429


def test_limits_are_off_when_disabled(settings, db):
    settings.RATE_LIMITS_ENABLED = False
    for _ in range(10):
        assert limited_view(post()).status_code == 200


def test_the_window_resets_after_its_period(limits_on):
    rate = Rate(1, 60)
    assert hit(action="w", bucket="b", rate=rate, now=600.0) == 0
    assert hit(action="w", bucket="b", rate=rate, now=630.0) == 30
    assert hit(action="w", bucket="b", rate=rate, now=660.0) == 0


def test_every_post_without_its_own_limit_has_the_default_ceiling(limits_on, actor_client, club):
    limits_on.RATE_LIMIT_DEFAULT = "2/m"
    client, _user = actor_client("member")
    url = reverse("members:language")
    assert client.post(url, {"language": "de"}).status_code == 302
    assert client.post(url, {"language": "de"}).status_code == 302
    response = client.post(url, {"language": "de"})
    assert response.status_code == 429
    assert client.get(reverse("clubs:my-clubs")).status_code == 200


def test_unsigned_posts_to_the_stripe_webhook_are_limited_per_ip(limits_on, client, db):
    limits_on.RATE_LIMITS = {"stripe-webhook": "2/m"}
    url = reverse("billing:stripe-webhook")
    statuses = [client.post(url, data="{}", content_type="application/json").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


@rate_limit(action="test-failures", rate="2/m", failures_only=True)
def checks_a_secret(request):
    return HttpResponse(status=200 if request.POST.get("secret") == "right" else 400)


def test_failures_only_limits_never_slow_down_right_callers(limits_on, db):
    for _ in range(5):
        assert checks_a_secret(post_with({"secret": "right"})).status_code == 200
    assert [checks_a_secret(post_with({"secret": "guess"})).status_code for _ in range(3)] == [400, 400, 429]
    assert checks_a_secret(post_with({"secret": "right"})).status_code == 429


def post_with(data):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().post("/thing/", data, REMOTE_ADDR="10.0.0.2")
    request.user = AnonymousUser()
    return request


def test_admin_login_goes_through_allauth(client, db):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_posting_guesses_to_the_admin_login_is_limited(limits_on, client, db):
    url = reverse("admin:login")
    statuses = [client.post(url, {"username": "staff@example.com", "password": "guess"}).status_code for _ in range(6)]
    assert statuses[-1] == 429
    assert set(statuses[:5]) == {302}


def test_allauth_login_limits_are_on_outside_tests():
    from config.settings import base

    assert base.ACCOUNT_RATE_LIMITS["login_failed"]
    assert base.RATE_LIMITS_ENABLED is True


def test_an_oversized_request_body_is_refused_with_400(settings, actor_client, club):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client, _user = actor_client("member")
    response = client.post(reverse("members:language"), {"language": "de", "padding": "x" * 4096})
    assert response.status_code == 400
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 1000


def test_member_posting_endpoints_have_their_own_limits(limits_on, actor_client, club):
    """Comments, cheers, reports and RSVPs are limited per member, each by its own allowance."""
    from tests.events.factories import EventOccurrenceFactory
    from tests.feed.factories import AchievementFactory

    limits_on.RATE_LIMITS = {"comment": "2/m", "rsvp": "1/m"}
    client, _user = actor_client("member")
    achievement = AchievementFactory(club=club)
    comment_url = reverse("feed:comment-create", args=[club.slug, achievement.pk])
    statuses = [client.post(comment_url, {"text": f"Well done {n}"}).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert achievement.comments.count() == 2

    occurrence = EventOccurrenceFactory(club=club)
    rsvp_url = reverse("events:event-rsvp", args=[club.slug, occurrence.pk])
    assert client.post(rsvp_url, {"going": "yes"}).status_code == 302
    assert client.post(rsvp_url, {"going": "no"}).status_code == 429
