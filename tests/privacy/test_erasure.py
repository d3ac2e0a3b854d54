"""Account erasure: personal data removed or anonymised in every model, invoices kept with the legal minimum,
the Stripe customer deleted after its subscriptions end, the member told what is kept and why."""

import io
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from analytics.models import NpsResponse
from automations.models import ReferralCode
from billing import gateway
from billing.models import Invoice, StripeCustomer
from clubs.models import Consent, Membership, MembershipStatus
from core.models import StaffAction
from core.storage import private_media_storage
from events.models import Attendance, CalendarFeedToken, Rsvp, RsvpStatus
from feed.models import Achievement, Cheer, Comment
from members.models import EmailSuppression
from offers.models import OfferUnsubscribe, Redemption
from privacy.exceptions import PrivacyError
from privacy.models import DataExport, RetainedInvoice
from privacy.services.erasure import DELETE, POSTS, USER_FIELDS, account_erase
from tests.analytics.factories import NpsSurveyFactory
from tests.billing.flows import join_and_pay
from tests.events.factories import AttendanceFactory, CalendarFeedTokenFactory, EventOccurrenceFactory, RsvpFactory
from tests.factories import PASSWORD, ClubFactory, MembershipFactory, UserFactory
from tests.feed.factories import CheerFactory, CommentFactory, achievement_with_photo
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def _png() -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name="me.png")


@pytest.fixture
def paying_member(client, club, stripe_emulator, django_capture_on_commit_callbacks):
    """A member who joined and paid through the emulated Stripe, with data in every app."""
    user = UserFactory(email="erin@example.com", display_name="Erin Erasable", birthday=timezone.now().date())
    user.avatar.save("me.png", _png())
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.get(name="Monthly")
    )
    customer = StripeCustomer.objects.get(user=user)
    stripe_emulator.objects[customer.stripe_customer_id]["address"] = {"country": "DE", "city": "Berlin"}
    client.logout()
    # Feed: a post with a photo, a comment and a cheer on someone else's post.
    achievement_with_photo(club=club, author=user, text="Erin's 10 km")
    other_post = achievement_with_photo(club=club, text="Someone else's run")
    CommentFactory(achievement=other_post, author=user, text="Go Sam, from Erin")
    CheerFactory(achievement=other_post, user=user)
    # Events: a past one attended, an upcoming one with the last seat and someone waiting for it.
    past = EventOccurrenceFactory(club=club, starts_in=timedelta(days=-3))
    RsvpFactory(occurrence=past, user=user)
    AttendanceFactory(occurrence=past, user=user)
    upcoming = EventOccurrenceFactory(club=club, capacity=1)
    RsvpFactory(occurrence=upcoming, user=user)
    waiting = MembershipFactory(club=club, plan=club.plans.first()).user
    RsvpFactory(occurrence=upcoming, user=waiting, status=RsvpStatus.WAITLISTED, waitlisted_at=timezone.now())
    CalendarFeedTokenFactory(user=user)
    # Analytics, offers, automations, privacy, members.
    survey = NpsSurveyFactory(membership=membership)
    NpsResponse.objects.create(
        survey=survey, club=club, score=3, comment="Erin here: too loud", answered_at=timezone.now(), respondent=user
    )
    offer = OfferFactory(club=club)
    OfferUnsubscribe.objects.create(club=club, user=user)
    Redemption.objects.create(
        offer=offer,
        user=user,
        membership=membership,
        status="paid",
        reserved_until=timezone.now(),
        currency="USD",
        amount_minor=2500,
        checkout_url="https://checkout.stripe.com/c/pay/cs_erin",
    )
    ReferralCode.objects.create(club=club, user=user, code="ERIN2026")
    export = DataExport.objects.create(user=user, status="ready")
    export.file.save("erin.zip", ContentFile(b"zip"))
    EmailSuppression.objects.create(email=user.email, reason="manual")
    ClubFactory().leaders.add(user)
    return user


def test_every_model_with_a_user_foreign_key_is_in_the_erasure_table():
    """Walks the installed models: a new model pointing at the user must say what erasure does with it."""
    pointing = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation
        and not field.auto_created
        and field.model is model
        and field.related_model is User
        and (field.many_to_one or field.one_to_one or field.many_to_many)
    }
    missing = pointing - set(USER_FIELDS)
    assert not missing, f"Say in privacy/services/erasure.py USER_FIELDS what erasure does with: {sorted(missing)}"


def test_erasure_removes_or_anonymises_every_personal_record(
    paying_member, club, stripe_emulator, django_capture_on_commit_callbacks
):
    user = paying_member
    customer = StripeCustomer.objects.get(user=user)
    stripe_subscription = customer.subscriptions.get().stripe_subscription_id
    photo_names = [
        name for post in Achievement.objects.filter(author=user) for name in (post.photo.name, post.photo_feed.name)
    ]
    avatar_name = user.avatar.name
    export_name = DataExport.objects.get(user=user).file.name
    invoice_numbers = set(Invoice.objects.filter(customer=customer).values_list("stripe_invoice_id", flat=True))
    assert invoice_numbers
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=user, actor=user, keep_posts=False)

    user.refresh_from_db()
    # The account: no name, no address, no way in.
    assert user.email == f"erased-{user.pk}@erased.invalid"
    assert (user.display_name, user.birthday, user.avatar.name, user.is_active) == ("", None, "", False)
    assert not user.has_usable_password()
    assert user.public_name == "Former member"
    assert not user.avatar.storage.exists(avatar_name)
    # Every table row that is the person's own is gone (the walk over USER_FIELDS).
    for path, (action, _personal) in USER_FIELDS.items():
        label, _dot, name = path.rpartition(".")
        model = apps.get_model(label)
        if action in (DELETE, POSTS) and not model._meta.get_field(name).many_to_many:
            assert not model._default_manager.filter(**{name: user}).exists(), path
    assert not user.led_clubs.exists()
    assert not EmailSuppression.objects.filter(email="erin@example.com").exists()
    assert not EmailAddress.objects.filter(email="erin@example.com").exists()
    assert not any(private_media_storage().exists(name) for name in [*photo_names, export_name])
    assert not Cheer.objects.filter(user=user).exists() and not Comment.objects.filter(author=user).exists()
    assert not Consent.objects.filter(user=user).exists() and not CalendarFeedToken.objects.filter(user=user).exists()
    assert (
        not OfferUnsubscribe.objects.filter(user=user).exists() and not ReferralCode.objects.filter(user=user).exists()
    )
    # History the clubs keep, without personal text.
    [answer] = NpsResponse.objects.filter(survey__membership__user=user)
    assert (answer.respondent, answer.comment, answer.score) == (None, "", 3)
    redemption = Redemption.objects.get(user=user)
    assert (redemption.checkout_url, redemption.amount_minor) == ("", 2500)
    assert Attendance.objects.filter(user=user).count() == 1
    now = timezone.now()
    assert Rsvp.objects.filter(user=user, occurrence__starts_at__lt=now).count() == 1  # the past answer stays
    assert not Rsvp.objects.filter(user=user, occurrence__starts_at__gt=now).exists()
    # The seat at the upcoming event went to the member who waited for it.
    assert Rsvp.objects.filter(status=RsvpStatus.GOING, occurrence__capacity=1).exclude(user=user).exists()
    # Membership ended; Stripe: subscription cancelled, then the customer deleted.
    assert Membership.objects.get(user=user, club=club).status == MembershipStatus.CANCELED
    assert stripe_emulator.get(stripe_subscription)["status"] == "canceled"
    assert customer.stripe_customer_id in stripe_emulator._deleted_customers
    customer.refresh_from_db()
    assert (customer.email, customer.deleted_at is not None) == ("", True)
    # Invoices: number, date, amount, currency and country kept; links stripped.
    retained = {row.number: row for row in RetainedInvoice.objects.all()}
    assert set(retained) == invoice_numbers
    for invoice in Invoice.objects.filter(customer=customer):
        row = retained[invoice.stripe_invoice_id]
        assert (row.issued_at, row.amount_minor, row.currency, row.country) == (
            invoice.stripe_created,
            invoice.amount_paid_minor,
            invoice.currency,
            "DE",
        )
        assert (invoice.hosted_invoice_url, invoice.invoice_pdf, invoice.stripe_charge_id) == ("", "", "")
    # The address heard it first.
    [goodbye] = [message for message in mail.outbox if message.to == ["erin@example.com"]]
    assert "erased" in goodbye.subject
    assert "tax law" in goodbye.body


def test_kept_posts_stay_without_the_name(paying_member, club, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = account_erase(user=paying_member, actor=paying_member, keep_posts=True)
    assert result.posts_kept == 1
    post = Achievement.objects.get(text="Erin's 10 km")
    assert post.author.public_name == "Former member"
    assert private_media_storage().exists(post.photo.name)
    assert Comment.objects.get(text="Go Sam, from Erin").author.public_name == "Former member"
    assert "Erin Erasable" not in str(post.author)


def test_erasing_twice_is_refused(paying_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=paying_member, actor=paying_member, keep_posts=False)
    with pytest.raises(PrivacyError):
        account_erase(user=paying_member, actor=paying_member, keep_posts=False)


def test_a_staff_account_is_refused_and_nothing_changes(db):
    staff = UserFactory(is_staff=True, email="boss@example.com")
    with pytest.raises(PrivacyError):
        account_erase(user=staff, actor=staff, keep_posts=False)
    staff.refresh_from_db()
    assert staff.email == "boss@example.com" and staff.is_active


def test_when_stripe_refuses_nothing_is_erased(paying_member, monkeypatch):
    def refuse(**kwargs):
        raise gateway.GatewayError("Stripe is down")

    monkeypatch.setattr(gateway, "customer_delete", refuse)
    with pytest.raises(PrivacyError):
        account_erase(user=paying_member, actor=paying_member, keep_posts=False)
    paying_member.refresh_from_db()
    assert paying_member.email == "erin@example.com" and paying_member.is_active
    assert Achievement.objects.filter(author=paying_member).exists()
    assert not RetainedInvoice.objects.exists()


def test_the_page_says_what_is_kept_and_a_wrong_password_erases_nothing(paying_member, client):
    client.force_login(paying_member)
    page = client.get(reverse("privacy:erase")).content.decode()
    assert "tax law" in page and 'data-testid="erasure-kept"' in page
    response = client.post(reverse("privacy:erase"), {"posts": "delete", "password": "wrong", "understood": "on"})
    assert response.status_code == 200
    paying_member.refresh_from_db()
    assert paying_member.is_active and paying_member.email == "erin@example.com"


def test_the_member_erases_their_account_with_their_password_and_is_logged_out(
    paying_member, client, django_capture_on_commit_callbacks
):
    client.force_login(paying_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:erase"), {"posts": "keep", "password": PASSWORD, "understood": "on"})
    assert response["Location"] == reverse("privacy:erased")
    assert client.get(reverse("privacy:home"))["Location"].startswith(reverse("account_login"))
    assert not client.login(email="erin@example.com", password=PASSWORD)
    paying_member.refresh_from_db()
    assert paying_member.is_erased
    assert not StaffAction.objects.filter(action="account_erase").exists()  # the member's own act, not staff's


def test_staff_erase_from_admin_after_a_confirmation_page_and_it_is_audited(
    paying_member, client, django_capture_on_commit_callbacks, settings
):
    settings.REQUIRE_STAFF_MFA = False
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:members_user_changelist")
    asked = client.post(url, {"action": "erase_accounts", "_selected_action": [paying_member.pk]})
    assert asked.status_code == 200 and "tax law" in asked.content.decode()
    paying_member.refresh_from_db()
    assert paying_member.is_active  # asking erased nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {"action": "erase_accounts", "_selected_action": [paying_member.pk], "confirm": "yes", "posts": "delete"},
        )
    paying_member.refresh_from_db()
    assert paying_member.is_erased
    [record] = StaffAction.objects.filter(action="account_erase")
    assert record.actor == staff and record.target == f"user #{paying_member.pk}"
    assert record.after["posts"] == "deleted" and record.after["stripe_customer_deleted"] is True
    assert "erin@example.com" not in str(record.after) + record.target
