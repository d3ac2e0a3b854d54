"""Self-service export: a Celery task builds a ZIP of JSON and the original photos; the emailed link expires."""

import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from analytics.models import NpsResponse
from billing.models import Invoice, StripeCustomer
from clubs.consent import consent_set
from clubs.models import ConsentPurpose, ConsentSource, MembershipStatus, MembershipStatusChange
from core.storage import private_media_storage
from offers.models import DeliveryBatch, OfferDelivery, OfferSend
from privacy.models import DataExport, ExportStatus
from privacy.services.export import data_export_build, data_export_request, exports_remove_expired
from tests.analytics.factories import NpsSurveyFactory
from tests.automations.factories import AutomationSendFactory
from tests.events.factories import AttendanceFactory, EventOccurrenceFactory, RsvpFactory
from tests.factories import MembershipFactory, UserFactory
from tests.feed.factories import CheerFactory, CommentFactory, achievement_with_photo
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@pytest.fixture
def member(club):
    user = UserFactory(email="mona@example.com", display_name="Mona Member", time_zone="Europe/Berlin")
    membership = MembershipFactory(user=user, club=club, plan=club.plans.get(name="Monthly"), consents=False)
    MembershipStatusChange.objects.create(
        membership=membership, from_status="pending", to_status="active", changed_at=AT, reason="Paid"
    )
    return user


def _export_zip(user, capture) -> zipfile.ZipFile:
    with capture(execute=True):
        data_export_request(user=user)
    export = DataExport.objects.get(user=user)
    assert export.status == ExportStatus.READY
    with export.file.open("rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def _json(archive, name):
    return json.loads(archive.read(name))


def test_export_holds_every_kind_of_record_checked_against_the_factories(
    member, club, django_capture_on_commit_callbacks
):
    occurrence = EventOccurrenceFactory(club=club, title="Sunday walk")
    RsvpFactory(occurrence=occurrence, user=member, guests=1)
    AttendanceFactory(occurrence=occurrence, user=member, checked_in_at=AT)
    post = achievement_with_photo(club=club, author=member, text="Ran 10 km")
    other_post = achievement_with_photo(club=club, text="Someone else's run")
    CommentFactory(achievement=other_post, author=member, text="Well done, Sam!")
    CheerFactory(achievement=other_post, user=member)
    survey = NpsSurveyFactory(membership=member.memberships.get(), emailed_at=AT)
    NpsResponse.objects.create(
        survey=survey, club=club, score=9, comment="Lovely people", answered_at=AT, respondent=member
    )
    offer = OfferFactory(club=club, title="Nutrition session")
    batch = DeliveryBatch.objects.create(send=OfferSend.objects.create(offer=offer))
    OfferDelivery.objects.create(offer=offer, club=club, user=member, batch=batch, status="sent", sent_at=AT)
    AutomationSendFactory(membership=member.memberships.get(), kind="welcome", sent_at=AT)
    customer = StripeCustomer.objects.create(user=member, stripe_customer_id="cus_export", email=member.email)
    Invoice.objects.create(
        stripe_invoice_id="in_export1",
        customer=customer,
        status="paid",
        currency="usd",
        amount_due_minor=500,
        amount_paid_minor=500,
        stripe_created=AT,
        paid_at=AT,
    )
    consent_set(user=member, club=club, purpose=ConsentPurpose.OFFERS, given=True, source=ConsentSource.CHECKOUT, at=AT)
    # Someone else's data never lands in this member's export.
    stranger = MembershipFactory(club=club, plan=club.plans.first()).user
    CommentFactory(achievement=post, author=stranger, text="Not Mona's words")

    archive = _export_zip(member, django_capture_on_commit_callbacks)

    profile = _json(archive, "profile.json")
    assert (profile["email"], profile["display_name"], profile["time_zone"]) == (
        "mona@example.com",
        "Mona Member",
        "Europe/Berlin",
    )
    assert profile["email_addresses"] == [{"email": "mona@example.com", "verified": True, "primary": True}]
    [membership] = _json(archive, "memberships.json")
    assert (membership["club"], membership["plan"], membership["status"]) == (club.name, "Monthly", "active")
    assert {"from_status": "pending", "to_status": "active", "changed_at": iso(AT), "reason": "Paid"} in membership[
        "status_history"
    ]
    [invoice] = _json(archive, "invoices.json")
    assert (invoice["stripe_invoice_id"], invoice["amount_paid_minor"], invoice["currency"], invoice["paid_at"]) == (
        "in_export1",
        500,
        "usd",
        iso(AT),
    )
    [rsvp] = _json(archive, "rsvps.json")
    assert (rsvp["event"], rsvp["status"], rsvp["guests"], rsvp["starts_at"]) == (
        "Sunday walk",
        "going",
        1,
        iso(occurrence.starts_at),
    )
    assert _json(archive, "attendance.json") == [
        {"club": club.name, "event": "Sunday walk", "starts_at": iso(occurrence.starts_at), "checked_in_at": iso(AT)}
    ]
    [exported_post] = _json(archive, "posts.json")
    assert (exported_post["id"], exported_post["text"]) == (post.pk, "Ran 10 km")
    with private_media_storage().open(post.photo.name, "rb") as original:
        assert archive.read(exported_post["photo"]) == original.read()  # the stored file itself
    assert [(c["post"], c["text"]) for c in _json(archive, "comments.json")] == [(other_post.pk, "Well done, Sam!")]
    assert [c["post"] for c in _json(archive, "cheers.json")] == [other_post.pk]
    assert _json(archive, "nps.json") == [
        {"club": club.name, "score": 9, "comment": "Lovely people", "answered_at": iso(AT)}
    ]
    kinds = {(email["kind"], email.get("subject")) for email in _json(archive, "emails.json")}
    assert {("offer", "Nutrition session"), ("automation:welcome", None), ("nps_survey", None)} <= kinds
    [consent] = _json(archive, "consents.json")
    assert (consent["purpose"], consent["status"], consent["source"], consent["given_at"]) == (
        "offers",
        "given",
        "checkout",
        iso(AT),
    )
    assert consent["history"] == [{"status": "given", "source": "checkout", "changed_at": iso(AT)}]
    assert "Not Mona's words" not in json.dumps([_json(archive, n) for n in archive.namelist() if n.endswith(".json")])
    assert "README.txt" in archive.namelist()


def test_the_ready_email_links_to_a_download_only_its_owner_can_open(
    member, client, django_capture_on_commit_callbacks
):
    _export_zip(member, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["mona@example.com"]
    path = re.search(r"https?://[^/\s]+(/account/privacy/export/[^/\s]+/)", message.body).group(1)
    client.force_login(UserFactory())
    assert client.get(path).status_code == 404
    client.force_login(member)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert _json(archive, "profile.json")["email"] == "mona@example.com"


def test_an_expired_link_says_so_clearly_and_the_cleanup_removes_the_file(
    member, client, django_capture_on_commit_callbacks, settings
):
    _export_zip(member, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(user=member)
    name = export.file.name
    path = re.search(r"https?://[^/\s]+(/account/privacy/export/[^/\s]+/)", mail.outbox[0].body).group(1)
    later = timezone.now() + timedelta(days=settings.PRIVACY_EXPORT_DAYS, minutes=1)
    assert exports_remove_expired(now=later) == 1
    assert exports_remove_expired(now=later) == 0  # once
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and not export.file
    assert not private_media_storage().exists(name)
    client.force_login(member)
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_link_older_than_the_setting_is_refused_even_before_the_cleanup(
    member, client, django_capture_on_commit_callbacks, settings
):
    _export_zip(member, django_capture_on_commit_callbacks)
    path = re.search(r"https?://[^/\s]+(/account/privacy/export/[^/\s]+/)", mail.outbox[0].body).group(1)
    settings.PRIVACY_EXPORT_DAYS = -1
    client.force_login(member)
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_building_twice_makes_one_file_and_one_email(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        export = data_export_request(user=member)
    with django_capture_on_commit_callbacks(execute=True):
        assert data_export_build(export_id=export.pk) is True
    with django_capture_on_commit_callbacks(execute=True):
        assert data_export_build(export_id=export.pk) is False
    assert len(mail.outbox) == 1
    assert DataExport.objects.count() == 1


def test_a_second_request_while_one_is_prepared_queues_nothing_new(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = data_export_request(user=member)
        second = data_export_request(user=member)
    assert first.pk == second.pk and len(callbacks) == 1


def test_privacy_page_request_button_builds_the_export(member, client, django_capture_on_commit_callbacks):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:export-request"))
    assert response["Location"] == reverse("privacy:home")
    assert DataExport.objects.get(user=member).status == ExportStatus.READY
    assert "Your data export is ready" in mail.outbox[0].subject


def test_profile_page_links_to_the_privacy_page(member, client):
    client.force_login(member)
    assert reverse("privacy:home") in client.get(reverse("members:profile")).content.decode()


def test_a_lapsed_member_still_gets_their_history(club, django_capture_on_commit_callbacks):
    user = MembershipFactory(club=club, plan=None, status=MembershipStatus.EXPIRED).user
    archive = _export_zip(user, django_capture_on_commit_callbacks)
    assert [m["status"] for m in _json(archive, "memberships.json")] == ["expired"]
