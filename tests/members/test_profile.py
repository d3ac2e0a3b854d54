import io
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = {
    "display_name": "Mona Member",
    "time_zone": "Asia/Tehran",
    "preferred_language": "fa",
    "birthday": "1990-05-17",
    "email_event_reminders": "on",
    "email_club_news": "on",
}


def image_bytes(fmt="JPEG", size=(64, 48), exif=None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "teal")
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def post_profile(client, **extra):
    return client.post(reverse("members:profile"), {**PROFILE, **extra})


def test_profile_saves_every_field_and_preferences(client):
    user = UserFactory(email_offers=True)
    client.force_login(user)
    response = post_profile(client)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Mona Member"
    assert user.time_zone == "Asia/Tehran"
    assert user.preferred_language == "fa"
    assert str(user.birthday) == "1990-05-17"
    assert (user.email_event_reminders, user.email_offers, user.email_club_news) == (True, False, True)


def test_avatar_is_re_encoded_without_exif(client):
    user = UserFactory()
    client.force_login(user)
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0110] = "Model X"
    upload = SimpleUploadedFile("me.jpg", image_bytes(exif=exif.tobytes()), content_type="image/jpeg")
    assert post_profile(client, avatar=upload).status_code == 302
    user.refresh_from_db()
    with Image.open(user.avatar.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
    assert user.avatar.name.endswith(".jpg")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg"),
            "Upload a valid image",
        ),
        (SimpleUploadedFile("anim.gif", image_bytes("GIF"), content_type="image/gif"), "JPEG, PNG or WebP"),
    ],
)
def test_bad_avatar_is_refused_with_a_clear_message_and_nothing_changes(client, upload, message):
    user = UserFactory(display_name="Before")
    client.force_login(user)
    response = post_profile(client, avatar=upload)
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Before" and not user.avatar


def test_oversized_avatar_is_refused(client, settings):
    settings.AVATAR_MAX_BYTES = 1000
    client.force_login(UserFactory())
    upload = SimpleUploadedFile("big.png", image_bytes("PNG", size=(400, 400)), content_type="image/png")
    response = post_profile(client, avatar=upload)
    assert "the limit is" in response.content.decode()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_is_refused(client):
    client.force_login(UserFactory())
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, format="PNG")  # 100 megapixels in a few kB
    upload = SimpleUploadedFile("bomb.png", bomb.getvalue(), content_type="image/png")
    response = post_profile(client, avatar=upload)
    assert response.status_code == 200
    html = response.content.decode()
    assert "too many pixels" in html or "Upload a valid image" in html


def test_future_birthday_is_refused(client):
    client.force_login(UserFactory())
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    response = post_profile(client, birthday=tomorrow.isoformat())
    assert "cannot be in the future" in response.content.decode()


def test_unknown_time_zone_is_refused(client):
    client.force_login(UserFactory())
    response = post_profile(client, time_zone="Mars/Olympus_Mons")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_pages_render_in_the_members_time_zone(client, rf):
    from members.middleware import UserPreferencesMiddleware

    user = UserFactory(time_zone="Asia/Tehran")
    request = rf.get("/")
    request.user = user
    seen = {}

    def view(request):
        seen["tz"] = timezone.get_current_timezone()
        from django.http import HttpResponse

        return HttpResponse()

    UserPreferencesMiddleware(view)(request)
    assert seen["tz"] == zoneinfo.ZoneInfo("Asia/Tehran")


def test_email_is_the_login(client):
    user = UserFactory(email="login@example.com")
    response = client.post(
        reverse("account_login"), {"login": "login@example.com", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_language_switcher_remembers_the_choice_on_the_profile(client):
    user = UserFactory(preferred_language="")
    client.force_login(user)
    response = client.post(reverse("members:language"), {"language": "de", "next": "/my/clubs/"})
    assert response.status_code == 302 and response["Location"] == "/my/clubs/"
    user.refresh_from_db()
    assert user.preferred_language == "de"
    assert 'lang="de"' in client.get(reverse("clubs:my-clubs")).content.decode()


def test_saved_language_wins_over_the_browser(client):
    client.force_login(UserFactory(preferred_language="fa"))
    html = client.get(reverse("clubs:my-clubs"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'lang="fa" dir="rtl"' in html


def test_unknown_language_changes_nothing(client):
    user = UserFactory(preferred_language="en")
    client.force_login(user)
    client.post(reverse("members:language"), {"language": "xx"})
    user.refresh_from_db()
    assert user.preferred_language == "en"
