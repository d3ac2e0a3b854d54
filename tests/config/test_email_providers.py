"""SMTP or an anymail provider by environment; the provider's bounces and complaints suppress the address."""

import base64
import json

import environ
import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.test import RequestFactory
from django.urls import reverse

from config.email import email_settings
from members.models import EmailSuppression, SuppressionReason, User
from members.services import email_is_suppressed, users_with_deliverable_email
from tests.factories import UserFactory


def settings_from(variables: dict) -> dict:
    env = environ.Env()
    env.ENVIRON = variables
    return email_settings(env, default_url="smtp://localhost:25", environ=variables)


def test_smtp_comes_from_email_url():
    config = settings_from({"EMAIL_URL": "smtp+tls://user:secret@smtp.example.com:587"})
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert config["EMAIL_HOST"] == "smtp.example.com" and config["EMAIL_USE_TLS"] is True


def test_a_provider_and_its_settings_come_from_anymail_variables():
    config = settings_from(
        {"ANYMAIL_PROVIDER": "Postmark", "ANYMAIL_POSTMARK_SERVER_TOKEN": "tok", "ANYMAIL_WEBHOOK_SECRET": "u:p"}
    )
    assert config["EMAIL_BACKEND"] == "anymail.backends.postmark.EmailBackend"
    assert config["ANYMAIL"] == {"POSTMARK_SERVER_TOKEN": "tok", "WEBHOOK_SECRET": "u:p"}


def test_an_unknown_provider_is_refused_at_start():
    with pytest.raises(ValueError, match="not one of"):
        settings_from({"ANYMAIL_PROVIDER": "pigeon"})


def tracking_event(event_type, recipient="Bounce@Example.com", **extra):
    event = AnymailTrackingEvent(
        event_type=event_type, recipient=recipient, event_id="evt-1", description="mailbox unknown", **extra
    )
    tracking.send(sender=object, event=event, esp_name="Postmark")
    return event


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event_type", "reason"),
    [("bounced", SuppressionReason.BOUNCED), ("complained", SuppressionReason.COMPLAINED)],
)
def test_bounces_and_complaints_suppress_the_address(event_type, reason):
    tracking_event(event_type)
    suppression = EmailSuppression.objects.get()
    assert suppression.email == "bounce@example.com"
    assert suppression.reason == reason and suppression.provider == "Postmark"
    assert email_is_suppressed("BOUNCE@example.com")


@pytest.mark.django_db
def test_deliveries_soft_bounces_and_quota_rejections_suppress_nothing():
    tracking_event("delivered")
    tracking_event("deferred")
    tracking_event("rejected", reject_reason="other")
    assert not EmailSuppression.objects.exists()
    tracking_event("rejected", reject_reason="invalid")
    assert EmailSuppression.objects.get().reason == SuppressionReason.REJECTED


@pytest.mark.django_db
def test_a_repeated_webhook_keeps_one_row():
    tracking_event("bounced")
    tracking_event("bounced")
    assert EmailSuppression.objects.count() == 1


@pytest.mark.django_db
def test_offers_and_automations_skip_suppressed_members(django_assert_num_queries):
    kept, bounced = UserFactory(email="kept@example.com"), UserFactory(email="gone@example.com")
    tracking_event("bounced", recipient="gone@example.com")
    with django_assert_num_queries(1):
        deliverable = list(users_with_deliverable_email(User.objects.filter(pk__in=[kept.pk, bounced.pk])))
    assert deliverable == [kept]


@pytest.mark.django_db
def test_provider_webhook_end_to_end_with_basic_auth(settings):
    from anymail.webhooks.postmark import PostmarkTrackingWebhookView

    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret"}
    payload = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "TypeCode": 1,
        "ID": 42,
        "Email": "hard@example.com",
        "Description": "The server was unable to deliver your message",
        "BouncedAt": "2026-11-23T10:00:00Z",
        "MessageID": "abc",
    }
    auth = "Basic " + base64.b64encode(b"hook:secret").decode()
    request = RequestFactory().post(
        "/anymail/postmark/tracking/", json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert PostmarkTrackingWebhookView.as_view()(request).status_code == 200
    assert email_is_suppressed("hard@example.com")


def test_only_the_chosen_providers_webhook_is_routed():
    from config.email import tracking_webhook_urlpatterns

    assert tracking_webhook_urlpatterns() == []  # tests send mail with the locmem backend


@pytest.mark.django_db
def test_suppressions_are_listed_and_searchable_in_admin(actor_client, club):
    tracking_event("complained", recipient="angry@example.com")
    client, _staff = actor_client("staff")
    response = client.get(reverse("admin:members_emailsuppression_changelist"), {"q": "angry"})
    assert "angry@example.com" in response.content.decode()
