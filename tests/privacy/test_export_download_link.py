"""The privacy page listed a ready export as "Ready to download" with no link (the link only went out by email): it
now links the same signed, owner-only download while the export is valid, and never an expired one."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from privacy.models import DataExport, ExportStatus
from privacy.services.export import data_export_request
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a href="([^"]+)" data-testid="export-download">([^<]*)</a>')


@pytest.fixture
def owner():
    return UserFactory(email="olga@example.com")


def ready_export(user, capture) -> DataExport:
    with capture(execute=True):
        data_export_request(user=user)
    export = DataExport.objects.get(user=user)
    assert export.status == ExportStatus.READY
    return export


def test_privacy_page_links_a_ready_export_for_its_owner(owner, client, django_capture_on_commit_callbacks):
    ready_export(owner, django_capture_on_commit_callbacks)
    client.force_login(owner)
    html = client.get(reverse("privacy:home")).content.decode()
    [(href, text)] = LINK.findall(html)
    assert href.startswith("/account/privacy/export/")
    assert text.startswith("Download (until ")
    response = client.get(href)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "profile.json" in archive.namelist()
    # The link opens nothing for anyone else, as the emailed one.
    client.force_login(UserFactory())
    assert client.get(href).status_code == 404


def test_privacy_page_shows_no_link_for_an_expired_or_pending_export(owner, client, django_capture_on_commit_callbacks):
    export = ready_export(owner, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    DataExport.objects.create(user=owner, requested_at=timezone.now())  # a newer one, still being prepared
    client.force_login(owner)
    html = client.get(reverse("privacy:home")).content.decode()
    assert LINK.findall(html) == []
    assert "Expired" in html and "Being prepared" in html
    assert "Ready to download" not in html
