"""Photos are untrusted uploads: oversize, non-images and decompression bombs are refused with a clear
message and nothing is created; what is kept is re-encoded without EXIF, at two sizes."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from feed.models import Achievement
from tests.feed.factories import member_of, photo_upload

pytestmark = pytest.mark.django_db

GPS_LATITUDE_TAG = 0x8825


def post_achievement(client, club, photo):
    return client.post(
        reverse("feed:achievement-create", args=[club.slug]), {"text": "Morning run", "tag": "workout", "photo": photo}
    )


def photo_error(response) -> str:
    assert response.status_code == 200
    return " ".join(str(error) for error in response.context["form"].errors["photo"])


@pytest.fixture
def member_client(client, club):
    client.force_login(member_of(club))
    return client


def test_oversize_photo_is_refused_with_its_size_and_the_limit(member_client, club, settings):
    settings.FEED_PHOTO_MAX_BYTES = 1024
    response = post_achievement(member_client, club, photo_upload(size=(600, 600)))
    assert "the limit is 1.0\xa0KB" in photo_error(response)
    assert not Achievement.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(member_client, club):
    fake = SimpleUploadedFile("holiday.jpg", b"%PDF-1.4 definitely not a picture", content_type="image/jpeg")
    response = post_achievement(member_client, club, fake)
    assert "This file is not an image we can read." in photo_error(response)
    assert not Achievement.objects.exists()


def test_an_image_in_another_format_is_refused(member_client, club):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, format="GIF")
    response = post_achievement(member_client, club, SimpleUploadedFile("a.gif", buffer.getvalue()))
    assert "Please upload a JPEG, PNG or WebP image." in photo_error(response)
    assert not Achievement.objects.exists()


def test_a_decompression_bomb_is_refused(member_client, club):
    """A few kilobytes on disk, 48 million pixels in memory."""
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 100_000
    response = post_achievement(member_client, club, SimpleUploadedFile("small.png", buffer.getvalue()))
    assert "The image has too many pixels" in photo_error(response)
    assert not Achievement.objects.exists()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge canvas: Pillow refuses it on open, before any pixel is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_a_header_claiming_a_gigantic_canvas_is_refused(member_client, club):
    response = post_achievement(member_client, club, SimpleUploadedFile("tiny.png", png_header_only(30000, 30000)))
    assert "The image has too many pixels." in photo_error(response)
    assert not Achievement.objects.exists()


def test_exif_is_removed_and_the_photo_is_kept_at_two_sizes(member_client, club):
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[GPS_LATITUDE_TAG] = {1: "N", 2: (52.0, 31.0, 12.0)}
    upload = photo_upload(size=(2400, 1800), exif=exif.tobytes())
    with Image.open(io.BytesIO(upload.read())) as original:
        assert original.getexif()  # the upload really carries EXIF
    upload.seek(0)
    response = post_achievement(member_client, club, upload)
    assert response.status_code == 302
    achievement = Achievement.objects.get()
    sizes = {}
    for stored in (achievement.photo, achievement.photo_feed):
        with stored.open("rb") as handle, Image.open(handle) as image:
            assert image.format == "JPEG"
            assert not image.getexif()
            assert "exif" not in image.info
            sizes[stored.name] = image.size
    assert sorted(sizes.values()) == [(800, 600), (1600, 1200)]


def test_stored_photos_get_random_names_under_a_folder_that_is_not_public(member_client, club):
    post_achievement(member_client, club, photo_upload(name="My Passport Scan.png", fmt="PNG"))
    achievement = Achievement.objects.get()
    assert achievement.photo.name.startswith(f"club-media/{club.pk}/achievements/")
    assert "Passport" not in achievement.photo.name and "Passport" not in achievement.photo_feed.name
    assert achievement.photo.name.endswith(".png")
    # The public media route serves avatars and club covers only.
    assert member_client.get("/media/" + achievement.photo.name).status_code == 404


def test_webp_is_accepted(member_client, club):
    response = post_achievement(member_client, club, photo_upload(name="x.webp", fmt="WEBP"))
    assert response.status_code == 302
    assert Achievement.objects.get().photo_feed.name.endswith(".webp")
