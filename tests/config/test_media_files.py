"""Uploaded files: public media stay in their folders, member-only files are never public, every served
upload is an image, replaced files are deleted after commit, and decoding is bounded (issue 16, "Files")."""

import io
import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from members.images import MAX_PIXELS, ImageRejected, prepare_image
from offers.models import Offer
from tests.factories import ClubFactory, MembershipFactory, UserFactory
from tests.feed.factories import achievement_with_photo, image_bytes, photo_upload
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


def _png_bomb(width: int = 6320, height: int = 6320) -> bytes:
    """A real RGBA PNG of width x height, all zeros: about 155 KB on disk, 160 MB once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor, row, parts = zlib.compressobj(9), b"\x00" * (1 + width * 4), []
    for _row in range(height):
        parts.append(compressor.compress(row))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def _member_client(client, club):
    member = UserFactory()
    MembershipFactory(user=member, club=club, plan=club.plans.first())
    client.force_login(member)
    return member


# --- 1. Path traversal --------------------------------------------------------------------------


TRAVERSALS = [
    "avatars/%2e%2e/{private}",
    "avatars/..%2f{private}",
    "avatars/%2e%2e%2f{private}",
    "avatars/%252e%252e/{private}",  # double encoding
    "avatars/..%5c{private}",  # backslash
    "avatars/%2e%2e%5c{private}",
    "club-covers/%2e%2e/{private}",
    "avatars/x/%2e%2e/%2e%2e/{private}",
    "avatars/%00/../{private}",  # NUL
    "avatars/a.png%00.png",
    "avatars//etc/passwd",
    "avatars/%2fetc%2fpasswd",
]


@pytest.mark.parametrize("pattern", TRAVERSALS)
def test_path_traversal_from_public_media_never_reaches_other_files(client, club, settings, pattern):
    # A file planted where member-only files used to live, under MEDIA_ROOT, and a real private photo.
    planted = settings.MEDIA_ROOT / "offer-images" / "1" / "secret.png"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(image_bytes("PNG"))
    (settings.MEDIA_ROOT / "avatars").mkdir(parents=True, exist_ok=True)
    achievement = achievement_with_photo(club=club)
    for private in ("offer-images/1/secret.png", achievement.photo.name):
        response = client.get("/media/" + pattern.format(private=private))
        assert response.status_code == 404, pattern
        assert not getattr(response, "streaming", False)


def test_member_only_files_are_stored_outside_public_media(club, settings):
    achievement = achievement_with_photo(club=club)
    offer = OfferFactory(club=club)
    from offers.services.posting import _save_image

    _save_image(offer, SimpleUploadedFile("promo.png", image_bytes("PNG"), content_type="image/png"))
    for name, path in ((achievement.photo.name, achievement.photo.path), (offer.image.name, offer.image.path)):
        assert str(path).startswith(str(settings.PRIVATE_MEDIA_ROOT))
        assert not (settings.MEDIA_ROOT / name).exists()
        assert not str(settings.PRIVATE_MEDIA_ROOT).startswith(str(settings.MEDIA_ROOT))


def test_public_avatar_is_served_as_an_image_from_its_folder(client):
    user = UserFactory()
    client.force_login(user)
    client.post(
        reverse("members:profile"),
        {"display_name": "Ada", "time_zone": "UTC", "avatar": photo_upload("me.png", "PNG")},
    )
    user.refresh_from_db()
    assert user.avatar.name.startswith(f"avatars/{user.pk}/") and user.avatar.name.endswith(".png")
    assert "me" not in user.avatar.name.rsplit("/", 1)[-1]
    response = client.get(user.avatar.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "PNG"


# --- 2. Offer images: generated name, image type, not before the offer starts --------------------


def _offer_with_upload(club, name: str, **offer_fields) -> Offer:
    from offers.services.posting import _save_image

    offer = OfferFactory(club=club, **offer_fields)
    _save_image(offer, SimpleUploadedFile(name, image_bytes("PNG"), content_type="text/html"))
    offer.save()
    return offer


def test_offer_image_named_html_is_stored_and_served_as_an_image(client, club):
    offer = _offer_with_upload(club, "promo.html")
    assert offer.image.name.endswith(".png") and "promo" not in offer.image.name
    _member_client(client, club)
    response = client.get(reverse("offers:offer-image", args=[club.slug, offer.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="offer-{offer.pk}.png"'
    assert "private" in response["Cache-Control"]


def test_a_stored_file_with_a_foreign_extension_is_never_served(client, club):
    offer = _offer_with_upload(club, "promo.png")
    offer.image.name = offer.image.name.replace(".png", ".html")  # a row from before the fix
    offer.save(update_fields=["image"])
    _member_client(client, club)
    assert client.get(reverse("offers:offer-image", args=[club.slug, offer.pk])).status_code == 404


def test_image_of_an_offer_not_started_is_hidden_from_members_but_shown_to_leaders(client, club):
    offer = _offer_with_upload(club, "soon.png", valid_from=timezone.now() + timedelta(days=3))
    url = reverse("offers:offer-image", args=[club.slug, offer.pk])
    _member_client(client, club)
    assert client.get(url).status_code == 404
    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    assert client.get(url).status_code == 200


def test_feed_photo_is_served_as_an_image_with_a_generated_name(client, club):
    achievement = achievement_with_photo(club=club)
    _member_client(client, club)
    response = client.get(reverse("feed:achievement-photo", args=[club.slug, achievement.pk, "full"]))
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="achievement-{achievement.pk}-full.jpg"'


# --- 3. Replaced files are deleted after commit ------------------------------------------------


def test_replaced_avatar_is_deleted_after_commit(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    client.force_login(user)
    data = {"display_name": "Ada", "time_zone": "UTC"}
    client.post(reverse("members:profile"), {**data, "avatar": photo_upload("one.png", "PNG")})
    user.refresh_from_db()
    old_path = user.avatar.path
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("members:profile"), {**data, "avatar": photo_upload("two.jpg")})
    from pathlib import Path

    assert Path(old_path).exists()  # not before the commit
    for callback in callbacks:
        callback()
    user.refresh_from_db()
    assert not Path(old_path).exists() and Path(user.avatar.path).exists()
    assert client.get("/media/" + old_path.split("/media/", 1)[1]).status_code == 404


def test_cleared_avatar_is_deleted_after_commit(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    client.force_login(user)
    data = {"display_name": "Ada", "time_zone": "UTC"}
    client.post(reverse("members:profile"), {**data, "avatar": photo_upload("one.png", "PNG")})
    user.refresh_from_db()
    from pathlib import Path

    old = Path(user.avatar.path)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:profile"), {**data, "avatar-clear": "on"})
    assert not old.exists()


def test_replaced_club_cover_is_deleted_after_commit(client, django_capture_on_commit_callbacks):
    from pathlib import Path

    from tests.config.admin_forms import admin_form_data

    club = ClubFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:clubs_club_change", args=[club.pk])
    for name in ("first.png", "second.png"):
        data = admin_form_data(client.get(url))
        data["cover_image"] = SimpleUploadedFile(name, image_bytes("PNG", (300, 200)), content_type="image/png")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        club.refresh_from_db()
        if name == "first.png":
            first = Path(club.cover_image.path)
    assert not first.exists() and Path(club.cover_image.path).exists()
    assert club.cover_image.name.startswith("club-covers/") and "second" not in club.cover_image.name


def test_replaced_offer_image_is_deleted_after_commit(club, django_capture_on_commit_callbacks):
    from pathlib import Path

    from offers.services.posting import offer_update

    offer = _offer_with_upload(club, "one.png")
    old = Path(offer.image.path)
    with django_capture_on_commit_callbacks(execute=True):
        offer = offer_update(offer=offer, data={}, image=SimpleUploadedFile("two.png", image_bytes("PNG")))
    assert not old.exists() and Path(offer.image.path).exists()


# --- 4. One decode, bounded memory -------------------------------------------------------------


def test_pixel_bomb_png_of_6320_square_is_refused_before_decoding(client):
    bomb = _png_bomb()
    assert len(bomb) < 200_000  # ~155 KB: the file from the issue
    with pytest.raises(ImageRejected, match="too many pixels"):
        prepare_image(io.BytesIO(bomb), sides=[512])
    client.force_login(UserFactory())
    response = client.post(
        reverse("members:profile"),
        {"display_name": "x", "time_zone": "UTC", "avatar": SimpleUploadedFile("b.png", bomb, "image/png")},
    )
    assert response.status_code == 200 and "too many pixels" in response.content.decode()


def test_pixel_limit_is_exact_and_large_jpegs_decode_at_reduced_scale():
    side = int(MAX_PIXELS**0.5)
    assert side * side == MAX_PIXELS
    assert MAX_PIXELS < 6320 * 6320
    # A JPEG above the limit in its header is decoded with draft() at 1/4 for a 1600 px copy.
    buffer = io.BytesIO()
    Image.new("RGB", (6000, 4000), "teal").save(buffer, format="JPEG", quality=30)
    prepared = prepare_image(io.BytesIO(buffer.getvalue()), sides=[1600, 800])
    sizes = {side: Image.open(file).size for side, file in prepared.files.items()}
    assert sizes == {1600: (1600, 1067), 800: (800, 533)}


def test_feed_photo_is_decoded_once_for_both_sizes(monkeypatch):
    """Regression: the feed decoded each upload twice (once per stored size)."""
    from PIL import ImageFile

    calls = []
    original = ImageFile.ImageFile.load

    def counting_load(self):
        if self.tile:  # data still to decode: a real decode, not a no-op on a loaded image
            calls.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    prepared = prepare_image(photo_upload(size=(640, 480)), sides=[1600, 800, 320])
    assert set(prepared.files) == {1600, 800, 320}
    assert len(calls) == 1
