"""request.club: resolved once from the URL before the view, with the club's language for visitors who chose none."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.request_club import RequestClubMiddleware
from tests.factories import ClubFactory

pytestmark = pytest.mark.django_db


def test_a_club_page_reads_its_club_once(client):
    club = ClubFactory(slug="runners")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("clubs:club-detail", args=[club.slug]))
    assert response.status_code == 200
    assert response.wsgi_request.club == club
    club_reads = [q["sql"] for q in queries if 'FROM "clubs_club"' in q["sql"] and '"slug"' in q["sql"]]
    assert len(club_reads) == 1


def test_an_unknown_club_is_a_404_before_any_view_runs(client):
    assert client.get("/clubs/no-such-club/").status_code == 404
    assert client.get("/clubs/no-such-club/events/").status_code in (302, 404)


def test_pages_without_a_club_have_none(client):
    response = client.get(reverse("clubs:club-directory"))
    assert response.status_code == 200
    assert response.wsgi_request.club is None


def test_the_club_chooses_the_language_of_a_visitor_who_chose_none(client):
    club = ClubFactory(default_language="de")
    response = client.get(reverse("clubs:club-detail", args=[club.slug]), HTTP_ACCEPT_LANGUAGE="")
    assert response["Content-Language"] == "de"
    chosen = client.get(reverse("clubs:club-detail", args=[club.slug]), HTTP_ACCEPT_LANGUAGE="fa")
    assert chosen["Content-Language"] == "fa"


def test_the_middleware_without_a_resolver_leaves_the_club_unset(monkeypatch, rf):
    monkeypatch.setattr("core.request_club._resolvers", [])
    middleware = RequestClubMiddleware(lambda request: None)
    request = rf.get("/clubs/x/")
    middleware(request)
    middleware.process_view(request, None, (), {"slug": "x"})
    assert request.club is None
