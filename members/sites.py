"""Django's sites framework follows SITE_NAME and SITE_URL, so allauth's emails name this site, not example.com.

Run after every ``migrate`` (post_migrate, connected in MembersConfig.ready): ``make run`` migrates on each
start, so a changed PORT or SITE_URL reaches the Site row at once; production migrates on each release.
"""

from urllib.parse import urlsplit

from django.conf import settings


def site_domain(site_url: str) -> str:
    """``https://clubs.example.com`` -> ``clubs.example.com``; a non-default port is kept (``127.0.0.1:8001``)."""
    return urlsplit(site_url).netloc or "localhost"


def site_sync(**kwargs) -> None:
    """post_migrate receiver: create or update the Site of SITE_ID from the settings."""
    from django.contrib.sites.models import Site

    using = kwargs.get("using", "default")
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": site_domain(settings.SITE_URL), "name": settings.SITE_NAME},
    )
    Site.objects.clear_cache()
