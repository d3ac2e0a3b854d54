"""Media on object storage (issue 22), against a real S3-compatible server: moto's server mode on 127.0.0.1.

Uploads go through the real paths (profile form, feed and offer forms); what landed is checked with a
boto3 client of the test's own (not django-storages), and what a browser gets with plain anonymous HTTP.
Moto does not refuse expired query signatures, so the lifetime is checked on the signed URL itself, with
an independent SigV4 verifier written here: the expiry is part of what is signed, and it is the setting.
"""

import hashlib
import hmac
import io
import socket
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer
from PIL import Image

from core.storage import PrivateFileSystemStorage, private_media_storage
from feed.models import Achievement
from members.models import User
from offers.models import Offer, OfferKind
from tests.factories import UserFactory
from tests.feed.factories import member_of

pytestmark = pytest.mark.django_db

ACCESS_KEY, SECRET_KEY, REGION = "AKIARETURNPATHTEST01", "returnpath-test-secret-key", "eu-central-1"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="session")
def s3_endpoint():
    """One moto server for the session, on a free port of 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@dataclass
class S3:
    client: object
    endpoint: str
    bucket: str
    private_bucket: str

    def keys(self, bucket: str) -> set[str]:
        return {item["Key"] for item in self.client.list_objects_v2(Bucket=bucket).get("Contents", [])}

    def body(self, bucket: str, key: str) -> bytes:
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def public_read(self, bucket: str, key: str) -> bool:
        grants = self.client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
        return any(grant["Grantee"].get("URI", "").endswith("/global/AllUsers") for grant in grants)


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def s3(settings, s3_endpoint):
    """MEDIA_STORAGE=s3 on fresh buckets: public media in one, member-only files in the same one, under private/."""
    client = s3_client(s3_endpoint)
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.MEDIA_STORAGE = "s3"
    settings.MEDIA_S3_BUCKET = bucket
    settings.MEDIA_S3_PRIVATE_BUCKET = ""
    settings.MEDIA_S3_PRIVATE_PREFIX = "private"
    settings.MEDIA_S3_ENDPOINT_URL = s3_endpoint
    settings.MEDIA_S3_REGION = REGION
    settings.MEDIA_S3_ACCESS_KEY_ID = ACCESS_KEY
    settings.MEDIA_S3_SECRET_ACCESS_KEY = SECRET_KEY
    settings.MEDIA_S3_CUSTOM_DOMAIN = ""
    settings.MEDIA_S3_SIGNED_URL_SECONDS = 300
    settings.MEDIA_S3_OBJECT_ACLS = True
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "core.storage.PublicMediaS3Storage"}}
    return S3(client=client, endpoint=s3_endpoint, bucket=bucket, private_bucket=bucket)


def anonymous_get(url: str) -> tuple[int, bytes, object]:
    """A browser with no cookies and no credentials: status, body and headers."""
    try:
        with NO_PROXY.open(url, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def jpeg(colour: str = "teal", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return SimpleUploadedFile("picture.jpg", buffer.getvalue(), content_type="image/jpeg")


def post_avatar(client, upload):
    return client.post(
        reverse("members:profile"),
        {"display_name": "Mona", "time_zone": "UTC", "preferred_language": "en", "avatar": upload},
    )


def post_achievement(client, club, photo):
    return client.post(
        reverse("feed:achievement-create", args=[club.slug]), {"text": "Morning run", "tag": "workout", "photo": photo}
    )


def post_offer(client, club, image):
    return client.post(
        reverse("offers:offer-create", args=[club.slug]),
        {
            "title": "Extra session",
            "body": "With our nutritionist.",
            "kind": OfferKind.PRODUCT,
            "price": "30.00",
            "valid_from": "2026-01-01T09:00",
            "valid_until": "2030-01-01T09:00",
            "publish_at": "2026-01-01T09:00",
            "audience": "all",
            "image_upload": image,
        },
    )


# --- An independent SigV4 query-signature verifier (AWS's documented algorithm, not botocore's code) ---


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4_query_signature_valid(url: str, *, secret_key: str) -> bool:
    """Whether the URL's X-Amz-Signature is the one its own query (expiry included) signs with ``secret_key``."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = query.pop("X-Amz-Signature")
    canonical_query = "&".join(
        f"{quote(key, safe='-_.~')}={quote(value, safe='-_.~')}" for key, value in sorted(query.items())
    )
    signed_headers = query["X-Amz-SignedHeaders"].split(";")
    assert signed_headers == ["host"], signed_headers
    canonical_request = "\n".join(
        ["GET", quote(parts.path, safe="/-_.~"), canonical_query, f"host:{parts.netloc}\n", "host", "UNSIGNED-PAYLOAD"]
    )
    _key_id, date, region, service, _terminator = query["X-Amz-Credential"].split("/")
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            query["X-Amz-Date"],
            f"{date}/{region}/{service}/aws4_request",
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), date), region), service), "aws4_request")
    return hmac.compare_digest(hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest(), signature)


def signed_url_expires_at(url: str) -> datetime:
    query = dict(parse_qsl(urlsplit(url).query))
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return signed_at + timedelta(seconds=int(query["X-Amz-Expires"]))


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {**dict(parse_qsl(parts.query)), **changes}
    return parts._replace(query=urlencode(query, quote_via=quote)).geturl()


def assert_private_redirect(response) -> str:
    assert response.status_code == 302
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control and "public" not in cache_control
    return response["Location"]


# --- Public media -------------------------------------------------------------------------------------------


def test_avatar_goes_to_the_bucket_and_its_public_url_answers_200(client, s3, settings):
    user = UserFactory()
    client.force_login(user)
    assert post_avatar(client, jpeg()).status_code == 302
    user.refresh_from_db()
    assert user.avatar.name.startswith("avatars/") and user.avatar.name.endswith(".jpg")
    assert user.avatar.name in s3.keys(s3.bucket)
    assert s3.public_read(s3.bucket, user.avatar.name)
    url = user.avatar.url
    assert url == f"{s3.endpoint}/{s3.bucket}/{user.avatar.name}"  # a plain URL: no signature to expire
    status, body, headers = anonymous_get(url)
    assert status == 200 and body == s3.body(s3.bucket, user.avatar.name)
    assert headers["Content-Type"] == "image/jpeg"
    assert not (settings.MEDIA_ROOT / "avatars").exists()  # nothing on this host's disk


def test_public_media_use_the_custom_domain(client, s3, settings):
    settings.MEDIA_S3_CUSTOM_DOMAIN = "media.returnpath.example"
    settings.STORAGES = {**settings.STORAGES}  # a fresh default storage with the new domain
    user = UserFactory()
    client.force_login(user)
    assert post_avatar(client, jpeg()).status_code == 302
    user.refresh_from_db()
    assert user.avatar.url == f"https://media.returnpath.example/{user.avatar.name}"


def test_replacing_the_avatar_deletes_the_old_object(client, s3, django_capture_on_commit_callbacks):
    user = UserFactory()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        post_avatar(client, jpeg("red"))
    first = User.objects.get(pk=user.pk).avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        post_avatar(client, jpeg("blue"))
    second = User.objects.get(pk=user.pk).avatar.name
    assert first != second
    assert s3.keys(s3.bucket) == {second}


# --- Member-only media --------------------------------------------------------------------------------------


def test_feed_photo_is_private_and_the_view_redirects_to_a_signed_url(client, club, s3):
    member = member_of(club)
    client.force_login(member)
    assert post_achievement(client, club, jpeg(size=(900, 600))).status_code == 302
    achievement = Achievement.objects.get()
    keys = {f"private/{achievement.photo.name}", f"private/{achievement.photo_feed.name}"}
    assert s3.keys(s3.bucket) == keys
    for key in keys:
        assert not s3.public_read(s3.bucket, key)
        status, _body, _headers = anonymous_get(f"{s3.endpoint}/{s3.bucket}/{key}")
        assert status == 403  # the object itself refuses anyone without a signature

    response = client.get(reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "full"]))
    signed = assert_private_redirect(response)
    assert signed.startswith(f"{s3.endpoint}/{s3.bucket}/private/{achievement.photo.name}?")
    status, body, headers = anonymous_get(signed)
    assert status == 200 and body == s3.body(s3.bucket, f"private/{achievement.photo.name}")
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Content-Disposition"] == f'inline; filename="achievement-{achievement.pk}-full.jpg"'


def test_non_members_get_no_signed_url(client, club, s3):
    client.force_login(member_of(club))
    post_achievement(client, club, jpeg())
    achievement = Achievement.objects.get()
    client.force_login(UserFactory())
    response = client.get(reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "full"]))
    assert response.status_code == 404 and "Location" not in response


def test_offer_image_is_private_and_members_get_a_signed_url(club, s3, actor_client):
    leader_client, _leader = actor_client("leader")
    assert post_offer(leader_client, club, jpeg()).status_code == 302
    offer = Offer.objects.get()
    key = f"private/{offer.image.name}"
    assert s3.keys(s3.bucket) == {key}
    assert anonymous_get(f"{s3.endpoint}/{s3.bucket}/{key}")[0] == 403

    member_client, _member = actor_client("member")
    signed = assert_private_redirect(member_client.get(reverse("offers:offer-image", args=[club.slug, offer.pk])))
    status, body, _headers = anonymous_get(signed)
    assert status == 200 and body == s3.body(s3.bucket, key)


def test_a_private_bucket_of_its_own(client, club, s3, settings):
    private_bucket = f"private-{uuid.uuid4().hex[:12]}"
    s3.client.create_bucket(Bucket=private_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.MEDIA_S3_PRIVATE_BUCKET = private_bucket
    client.force_login(member_of(club))
    post_achievement(client, club, jpeg())
    achievement = Achievement.objects.get()
    assert s3.keys(s3.bucket) == set()
    assert s3.keys(private_bucket) == {f"private/{achievement.photo.name}", f"private/{achievement.photo_feed.name}"}
    signed = assert_private_redirect(
        client.get(reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "feed"]))
    )
    status, body, _headers = anonymous_get(signed)
    assert status == 200 and body == s3.body(private_bucket, f"private/{achievement.photo_feed.name}")


def test_signed_url_lives_the_configured_seconds_and_cannot_be_extended(client, club, s3, settings):
    settings.MEDIA_S3_SIGNED_URL_SECONDS = 2
    client.force_login(member_of(club))
    post_achievement(client, club, jpeg())
    achievement = Achievement.objects.get()
    before = timezone.now().replace(microsecond=0)
    signed = assert_private_redirect(
        client.get(reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "full"]))
    )
    after = timezone.now()
    query = dict(parse_qsl(urlsplit(signed).query))
    assert query["X-Amz-Expires"] == "2"
    assert query["X-Amz-Credential"].startswith(f"{ACCESS_KEY}/") and SECRET_KEY not in signed
    assert before + timedelta(seconds=2) <= signed_url_expires_at(signed) <= after + timedelta(seconds=2)
    assert sigv4_query_signature_valid(signed, secret_key=SECRET_KEY)
    # Stretching the lifetime (or moving the date) breaks the signature: expired stays expired.
    assert not sigv4_query_signature_valid(with_query(signed, **{"X-Amz-Expires": "3600"}), secret_key=SECRET_KEY)
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    assert not sigv4_query_signature_valid(with_query(signed, **{"X-Amz-Date": later}), secret_key=SECRET_KEY)


def test_default_lifetime_is_five_minutes(client, club, s3):
    client.force_login(member_of(club))
    post_achievement(client, club, jpeg())
    achievement = Achievement.objects.get()
    signed = assert_private_redirect(
        client.get(reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "full"]))
    )
    assert dict(parse_qsl(urlsplit(signed).query))["X-Amz-Expires"] == "300"


def test_deleting_a_post_removes_its_objects(club, s3, django_capture_on_commit_callbacks):
    from feed.services import achievement_delete

    client_user = member_of(club)
    from django.test import Client

    client = Client()
    client.force_login(client_user)
    post_achievement(client, club, jpeg())
    achievement = Achievement.objects.get()
    assert len(s3.keys(s3.bucket)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        achievement_delete(achievement=achievement, actor=client_user)
    assert s3.keys(s3.bucket) == set()


def test_replacing_an_offer_image_deletes_the_old_object(club, s3, actor_client, django_capture_on_commit_callbacks):
    client, _leader = actor_client("leader")
    with django_capture_on_commit_callbacks(execute=True):
        post_offer(client, club, jpeg("red"))
    offer = Offer.objects.get()
    first = offer.image.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("offers:offer-edit", args=[club.slug, offer.pk]),
            {
                "title": offer.title,
                "body": offer.body,
                "kind": OfferKind.PRODUCT,
                "price": "30.00",
                "valid_from": "2026-01-01T09:00",
                "valid_until": "2030-01-01T09:00",
                "audience": "all",
                "image_upload": jpeg("blue"),
            },
        )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.image.name != first
    assert s3.keys(s3.bucket) == {f"private/{offer.image.name}"}


def test_private_files_never_get_a_public_url(s3):
    with pytest.raises(ValueError, match="no public URL"):
        private_media_storage().url("feed/anything.jpg")


# --- Local (the default) stays as it was ----------------------------------------------------------------------


def test_without_media_storage_private_files_stay_on_disk_and_are_streamed(client, club, settings):
    assert settings.MEDIA_STORAGE == "local"
    assert isinstance(private_media_storage().backend, PrivateFileSystemStorage)
    client.force_login(member_of(club))
    post_achievement(client, club, jpeg())
    achievement = Achievement.objects.get()
    assert (settings.PRIVATE_MEDIA_ROOT / achievement.photo.name).is_file()
    response = client.get(reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "full"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == (settings.PRIVATE_MEDIA_ROOT / achievement.photo.name).read_bytes()
