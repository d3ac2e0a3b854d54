"""allauth's emails name this site (SITE_NAME, SITE_URL's domain and port), never example.com, and greet by name."""

import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from members.sites import site_domain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://clubs.example.com", "clubs.example.com"),
        ("http://127.0.0.1:8123", "127.0.0.1:8123"),
        ("", "localhost"),
    ],
)
def test_site_domain_keeps_host_and_port(url, domain):
    assert site_domain(url) == domain


def test_migrate_sets_the_site_from_site_name_and_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    settings.SITE_NAME = "Clubhouse"
    call_command("migrate", verbosity=0)
    site = Site.objects.get(pk=settings.SITE_ID)
    assert (site.domain, site.name) == ("127.0.0.1:8123", "Clubhouse")


def test_password_reset_email_carries_site_name_domain_and_display_name(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    settings.SITE_NAME = "Clubhouse"
    call_command("migrate", verbosity=0)
    UserFactory(email="mona@example.com", display_name="Mona Member")
    client.post(reverse("account_reset_password"), {"email": "mona@example.com"})
    (message,) = mail.outbox
    assert message.body.startswith("Hello Mona Member, this is Clubhouse.")
    assert "127.0.0.1:8123" in message.body and "Clubhouse" in message.subject + message.body
    assert "example.com" not in message.body.replace("mona@example.com", "")
