"""Plan names and club texts per language, with the club's own text as the fallback (issue 23, Languages)."""

from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from clubs.emails import branding_for
from clubs.exceptions import ClubsError
from clubs.models import Club, Plan
from clubs.services import club_texts_update
from core import emails
from core.models import StaffAction
from notifications.models import Notification
from notifications.services import notification_send
from tests.billing.flows import join_and_pay
from tests.factories import ClubFactory, MembershipFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db

AR_NAME = "نادي الصحة والسعادة"
AR_TAGLINE = "معًا نعيش أفضل"
AR_DESCRIPTION = "نلتقي كل أسبوع في الحديقة."
AR_MONTHLY = "شهري"


@pytest.fixture
def translated(club):
    """The club (written in English) with Arabic texts; German is not given, so German falls back."""
    club.translations = {"ar": {"name": AR_NAME, "tagline": AR_TAGLINE, "description": AR_DESCRIPTION}}
    club.save(update_fields=["translations"])
    monthly = club.plans.get(name="Monthly")
    monthly.translations = {"ar": {"name": AR_MONTHLY}}
    monthly.save(update_fields=["translations"])
    return club


def settings_url(club) -> str:
    return reverse("clubs:club-settings", args=[club.slug])


def page(client, url: str, language: str) -> str:
    client.force_login(UserFactory(preferred_language=language))
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- The accessor ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ar", AR_NAME),  # given
        ("de", "Healthy and Happy Club"),  # missing: the club's own text
        ("fa", "Healthy and Happy Club"),  # blank: the club's own text
        ("ar-eg", AR_NAME),  # a regional code is its language
        ("AR_EG", AR_NAME),
        ("de-at", "Healthy and Happy Club"),
        ("ja", "Healthy and Happy Club"),  # not a site language
        ("en", "Healthy and Happy Club"),  # the club's own language
    ],
)
def test_club_text_in_a_language_falls_back_to_the_club_s_own(club, language, expected):
    club.translations = {"ar": {"name": AR_NAME}, "fa": {"name": "   "}}
    assert club.text("name", language) == expected
    with translation.override(language):
        assert club.local_name == expected


def test_a_translation_for_the_club_s_own_language_is_never_shown(club):
    club.default_language = "de"
    club.translations = {"de": {"name": "Alter Name"}, "ar": {"name": AR_NAME}}
    assert club.text("name", "de") == "Healthy and Happy Club"
    assert club.text("tagline", "ar") == club.tagline  # a field not given falls back on its own


def test_plan_name_in_a_language_falls_back_to_the_plan_s_own(translated):
    monthly = Plan.objects.select_related("club").get(club=translated, name="Monthly")
    assert [monthly.text("name", code) for code in ("ar", "ar-sa", "de", "en")] == [AR_MONTHLY, AR_MONTHLY] + [
        "Monthly"
    ] * 2
    assert Plan.objects.get(club=translated, name="Yearly").text("name", "ar") == "Yearly"


# --- The leader's form --------------------------------------------------------------------------------


def texts_post(club, **values) -> dict:
    return {"section": "texts", **values}


def test_leader_saves_texts_in_other_languages_audited(actor_client, club):
    client, leader = actor_client("leader")
    monthly = club.plans.get(name="Monthly")
    response = client.post(
        settings_url(club),
        texts_post(
            club,
            name_ar=f"  {AR_NAME} ",
            tagline_ar=AR_TAGLINE,
            name_de="",
            **{f"plan{monthly.pk}_name_ar": AR_MONTHLY},
        ),
    )
    assert response.status_code == 302
    club.refresh_from_db()
    monthly.refresh_from_db()
    assert club.translations == {"ar": {"name": AR_NAME, "tagline": AR_TAGLINE}}
    assert monthly.translations == {"ar": {"name": AR_MONTHLY}}
    action = StaffAction.objects.get(action="club_texts")
    assert action.actor == leader
    assert action.after["club"] == {"ar": {"name": AR_NAME, "tagline": AR_TAGLINE}}
    # The page shows them back in their fields, each field marked with its language.
    html = client.get(settings_url(club)).content.decode()
    assert f'value="{AR_NAME}"' in html and 'lang="ar"' in html
    assert 'name="name_en"' not in html  # the club's own language is the main field, not here


def test_the_club_settings_page_still_saves_email_settings_without_a_section(actor_client, club):
    client, _leader = actor_client("leader")
    response = client.post(settings_url(club), {"brand_colour": "#1a7f37"})
    assert response.status_code == 302
    club.refresh_from_db()
    assert club.brand_colour == "#1a7f37" and club.translations == {}


def test_email_settings_still_save_when_a_text_is_left_in_the_club_s_new_own_language(actor_client, club):
    """A club whose default language changed keeps a text in it (never shown); its other settings still save."""
    Club.objects.filter(pk=club.pk).update(translations={"en": {"name": "Old English name"}, "ar": {"name": AR_NAME}})
    client, _leader = actor_client("leader")
    response = client.post(settings_url(club), {"brand_colour": "#1a7f37"})
    assert response.status_code == 302
    club.refresh_from_db()
    assert club.brand_colour == "#1a7f37" and club.text("name", "en") == "Healthy and Happy Club"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name_ar", "ن" * 121),  # the club's name allows 120
        ("tagline_de", "x" * 201),  # the tagline 200
        ("name_fa", "خط اول\nخط دوم"),  # names reach email headers: one line
        ("plan_name", "x" * 81),  # a plan's name allows 80
    ],
)
def test_a_text_too_long_or_on_two_lines_is_refused_with_a_message_and_nothing_saved(actor_client, club, field, value):
    client, _leader = actor_client("leader")
    monthly = club.plans.get(name="Monthly")
    field = f"plan{monthly.pk}_name_de" if field == "plan_name" else field
    response = client.post(settings_url(club), texts_post(club, name_de="Gesund und glücklich", **{field: value}))
    assert response.status_code == 200
    form = response.context["texts_form"]
    assert list(form.errors) == [field], form.errors
    assert form.errors[field][0]  # a message, in words
    club.refresh_from_db()
    monthly.refresh_from_db()
    assert club.translations == {} and monthly.translations == {}
    assert not StaffAction.objects.filter(action="club_texts").exists()


def test_a_language_the_site_does_not_offer_is_refused_by_the_service(club):
    leader = UserFactory()
    with pytest.raises(ClubsError, match="not a language of this site"):
        club_texts_update(club=club, actor=leader, club_translations={"ar": {"name": AR_NAME}, "xx": {"name": "X"}})
    club.refresh_from_db()
    assert club.translations == {}


def test_a_posted_field_for_an_unknown_language_is_ignored(actor_client, club):
    client, _leader = actor_client("leader")
    response = client.post(settings_url(club), texts_post(club, name_xx="Unknown", name_ar=AR_NAME))
    assert response.status_code == 302
    club.refresh_from_db()
    assert club.translations == {"ar": {"name": AR_NAME}}


def test_another_club_s_plan_cannot_be_renamed_through_the_service(club, other_club):
    foreign = PlanFactory(club=other_club)
    with pytest.raises(ClubsError):
        club_texts_update(
            club=club, actor=UserFactory(), club_translations={}, plan_translations={foreign.pk: {"ar": {"name": "x"}}}
        )
    foreign.refresh_from_db()
    assert foreign.translations == {}


def test_a_member_cannot_post_the_texts_form(actor_client, club):
    client, _member = actor_client("member")
    response = client.post(settings_url(club), texts_post(club, name_ar=AR_NAME))
    assert response.status_code == 404
    club.refresh_from_db()
    assert club.translations == {}


# --- Staff in admin -------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def admin_club_form(**overrides) -> dict:
    data = {
        "name": "Yoga Friends",
        "slug": "yoga-friends",
        "tagline": "",
        "description": "",
        "time_zone": "Europe/Berlin",
        "currency": "EUR",
        "default_language": "de",
        "is_listed": "on",
        "grace_period_days": "7",
        "max_offer_emails_per_week": "2",
        "plans-TOTAL_FORMS": "1",
        "plans-INITIAL_FORMS": "0",
        "plans-0-name": "Monatlich",
        "plans-0-interval": "month",
        "plans-0-interval_count": "1",
        "plans-0-price_minor": "5.00",
        "plans-0-currency": "EUR",
        "plans-0-trial_days": "0",
        "plans-0-is_active": "on",
        "plans-0-order": "0",
        "plans-0-name_en": "Monthly",
    }
    return {**data, **overrides}


def test_staff_give_club_texts_and_plan_names_per_language_in_admin(staff_client):
    response = staff_client.post(
        reverse("admin:clubs_club_add"), admin_club_form(name_en="Yoga friends", name_ar=AR_NAME)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    club = Club.objects.get(slug="yoga-friends")
    assert club.translations == {"ar": {"name": AR_NAME}, "en": {"name": "Yoga friends"}}
    assert club.plans.get().translations == {"en": {"name": "Monthly"}}
    # The list stays on the club's own text.
    changelist = staff_client.get(reverse("admin:clubs_club_changelist")).content.decode()
    assert "Yoga Friends" in changelist and AR_NAME not in changelist


def test_staff_giving_a_text_in_the_club_s_own_language_get_a_message_and_nothing_saved(staff_client):
    response = staff_client.post(reverse("admin:clubs_club_add"), admin_club_form(name_de="Yoga-Freunde"))
    assert response.status_code == 200
    assert "name_de" in response.context["adminform"].form.errors
    assert not Club.objects.filter(slug="yoga-friends").exists()


def test_staff_giving_a_name_too_long_in_admin_get_a_message(staff_client):
    response = staff_client.post(reverse("admin:clubs_club_add"), admin_club_form(name_ar="ن" * 121))
    assert response.status_code == 200
    assert "name_ar" in response.context["adminform"].form.errors
    assert not Club.objects.filter(slug="yoga-friends").exists()


# --- Where the texts show ------------------------------------------------------------------------------


def test_plan_names_and_club_texts_show_in_the_members_language_with_fallback(client, translated):
    """Regression (issue 23): a club's texts and plan names were shown only as written, whatever the language."""
    arabic = page(client, translated.get_absolute_url(), "ar")
    assert AR_NAME in arabic and AR_TAGLINE in arabic and AR_DESCRIPTION in arabic and AR_MONTHLY in arabic
    assert "Healthy and Happy Club" not in arabic
    assert "Yearly" in arabic  # a plan without an Arabic name keeps its own
    german = page(client, translated.get_absolute_url(), "de")
    assert "Healthy and Happy Club" in german and "Better together" in german and "Monthly" in german
    assert AR_NAME not in german and AR_MONTHLY not in german


def test_directory_cards_show_the_club_texts_in_the_visitor_s_language(client, translated):
    arabic = client.get(reverse("clubs:club-directory"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert AR_NAME in arabic and AR_TAGLINE in arabic
    assert f'<p class="card-text" dir="auto">{AR_TAGLINE}</p>' in arabic  # still isolated
    german = client.get(reverse("clubs:club-directory"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Healthy and Happy Club" in german and AR_NAME not in german
    # The search finds a club by the name it shows.
    found = client.get(reverse("clubs:club-directory"), {"q": "الصحة"}, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert AR_NAME in found


def test_join_page_names_the_club_and_plan_in_the_member_s_language(client, translated):
    monthly = translated.plans.get(name="Monthly")
    url = reverse("billing:club-join", args=[translated.slug, monthly.pk])
    arabic = page(client, url, "ar")
    assert AR_NAME in arabic and AR_MONTHLY in arabic
    german = page(client, url, "de")
    assert "Healthy and Happy Club" in german and "Monthly" in german and AR_MONTHLY not in german


def test_member_pages_name_the_club_and_plan_in_the_member_s_language(client, translated):
    monthly = translated.plans.get(name="Monthly")
    member = MembershipFactory(club=translated, plan=monthly, user=UserFactory(preferred_language="ar")).user
    client.force_login(member)
    home = client.get(reverse("clubs:club-home", args=[translated.slug])).content.decode()
    assert AR_NAME in home and AR_DESCRIPTION in home
    billing = client.get(reverse("billing:club-billing", args=[translated.slug])).content.decode()
    assert AR_NAME in billing and AR_MONTHLY in billing
    mine = client.get(reverse("clubs:my-clubs")).content.decode()
    assert AR_NAME in mine and AR_MONTHLY in mine


def test_the_email_is_in_the_recipient_s_language_with_the_club_s_text_or_its_own(
    client, translated, stripe_emulator, django_capture_on_commit_callbacks
):
    monthly = translated.plans.get(name="Monthly")
    for language, club_name, plan_name in (("ar", AR_NAME, AR_MONTHLY), ("de", "Healthy and Happy Club", "Monthly")):
        member = UserFactory(preferred_language=language)
        mail.outbox.clear()
        join_and_pay(client, stripe_emulator, django_capture_on_commit_callbacks, user=member, plan=monthly)
        sent = [
            message
            for message in mail.outbox
            if message.to == [member.email] and message.extra_headers.get("X-Returnpath-Category") == "transactional"
        ]
        assert len(sent) == 1
        parsed = message_from_bytes(sent[0].message().as_bytes(), policy=policy.default)
        with translation.override(language):  # the reference: the catalog's msgid, filled in by hand
            subject = translation.gettext("Your membership of %(club_name)s is active") % {"club_name": club_name}
        assert parsed["Subject"].strip() == subject
        text = parsed.get_body(preferencelist=("plain",)).get_content()
        html = parsed.get_body(preferencelist=("html",)).get_content()
        assert club_name in text and plan_name in text and club_name in html
        assert "Healthy and Happy Club" in parsed["From"]  # the sender keeps the club's own name
        client.logout()


def test_branding_names_the_club_in_the_language_the_email_renders_in(translated):
    branding = branding_for(translated)
    with translation.override("ar"):
        assert str(branding.name) == AR_NAME
    with translation.override("de"):
        assert str(branding.name) == "Healthy and Happy Club"
    assert branding.from_name == "Healthy and Happy Club"
    recipient = emails.Recipient(email="member@example.org", language="ar")
    message = emails.email_build(
        recipient=recipient,
        branding=branding,
        category=emails.OFFERS,
        text_template="emails/_footer.txt",
        html_template="emails/text_as_html.html",
        context={"body": ""},
        subject="x",
        links=emails.Links(unsubscribe_url="https://example.org/u", preferences_url="https://example.org/p"),
    )
    assert AR_NAME in message.body
    assert message.extra_headers["List-Id"].startswith("Healthy and Happy Club offers <")


def test_a_notification_names_the_club_in_the_viewer_s_language(translated):
    arabic, german = UserFactory(preferred_language="ar"), UserFactory(preferred_language="de")
    notification_send(
        kind="payment_failed", user_ids=[arabic.pk, german.pk], club=translated, params={"invoice_id": 7}, url="/"
    )
    with translation.override("ar"):
        assert AR_NAME in Notification.objects.get(user=arabic).text
    with translation.override("de"):
        text = Notification.objects.get(user=german).text
        assert "Healthy and Happy Club" in text and AR_NAME not in text


def test_the_calendar_file_names_the_club_in_the_active_language(translated):
    from events.ics import calendar_ics
    from tests.events.factories import EventOccurrenceFactory

    occurrence = EventOccurrenceFactory(club=translated, title="Park run")
    with translation.override("ar"):
        arabic = calendar_ics([occurrence], name="x").decode()
    with translation.override("de"):
        german = calendar_ics([occurrence], name="x").decode()
    unfolded = lambda content: content.replace("\r\n ", "")  # noqa: E731 - iCalendar folds long lines
    assert f"SUMMARY:Park run · {AR_NAME}" in unfolded(arabic)
    assert "SUMMARY:Park run · Healthy and Happy Club" in unfolded(german)


# --- Query budgets: the same maximum with translations, at 1 row and at 50 -----------------------------


@pytest.mark.parametrize("rows", [1, 50])
def test_directory_query_budget_with_translations(client, django_assert_max_num_queries, rows):
    for index in range(rows):
        club = ClubFactory(translations={"ar": {"name": f"نادي {index}", "tagline": "معًا"}})
        PlanFactory(club=club, translations={"ar": {"name": "شهري"}})
        PlanFactory(club=club, interval="year", price_minor=4800)
        MembershipFactory(club=club, plan=club.plans.first())
    with django_assert_max_num_queries(2):
        response = client.get(reverse("clubs:club-directory"), HTTP_ACCEPT_LANGUAGE="ar")
    assert "نادي 0" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 50])
def test_my_clubs_query_budget_with_translations(client, django_assert_max_num_queries, rows):
    user = UserFactory(preferred_language="ar")
    for _ in range(rows):
        club = ClubFactory(translations={"ar": {"name": "نادي"}})
        MembershipFactory(user=user, club=club, plan=PlanFactory(club=club, translations={"ar": {"name": "شهري"}}))
    client.force_login(user)
    with django_assert_max_num_queries(6):  # as tests/clubs/test_views.py
        response = client.get(reverse("clubs:my-clubs"))
    assert "شهري" in response.content.decode()
