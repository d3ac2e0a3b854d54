"""Consent to offer and club emails: recorded with time and source, withdrawn as easily, obeyed by every sender."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from automations.selectors import reachable
from clubs.consent import CONFIRM_PURPOSE, ConsentError, consent_confirm, consent_set
from clubs.models import Consent, ConsentChange, ConsentPurpose, ConsentSource, ConsentStatus, Membership
from core.tokens import token_make
from offers.selectors import offer_audience, offer_send_preview
from tests.billing.flows import join_and_pay
from tests.factories import ClubFactory, MembershipFactory, UserFactory
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db

OFFERS, AUTOMATIONS = ConsentPurpose.OFFERS, ConsentPurpose.AUTOMATIONS


def _member(club, **kwargs):
    return MembershipFactory(club=club, plan=club.plans.first(), consents=False, **kwargs).user


def _history(consent) -> list[tuple[str, str]]:
    return [(change.status, change.source) for change in consent.changes.order_by("changed_at", "pk")]


def _confirm_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/consent/confirm/[^/\s]+/)", message.body).group(1)


def test_giving_and_withdrawing_record_time_and_source(club):
    user = _member(club)
    given_at = timezone.now() - timedelta(days=2)
    consent = consent_set(user=user, club=club, purpose=OFFERS, given=True, source=ConsentSource.CHECKOUT, at=given_at)
    assert (consent.status, consent.source, consent.given_at) == (ConsentStatus.GIVEN, "checkout", given_at)
    withdrawn_at = given_at + timedelta(days=1)
    consent = consent_set(
        user=user, club=club, purpose=OFFERS, given=False, source=ConsentSource.PROFILE, at=withdrawn_at
    )
    assert (consent.status, consent.withdrawn_at) == (ConsentStatus.WITHDRAWN, withdrawn_at)
    assert _history(consent) == [("given", "checkout"), ("withdrawn", "profile")]
    assert [c.changed_at for c in consent.changes.order_by("changed_at")] == [given_at, withdrawn_at]


def test_repeating_the_same_answer_records_nothing_new(club):
    user = _member(club)
    for _ in range(2):
        consent_set(user=user, club=club, purpose=AUTOMATIONS, given=True, source=ConsentSource.PROFILE)
    consent_set(user=user, club=club, purpose=OFFERS, given=False, source=ConsentSource.PROFILE)  # never given
    assert Consent.objects.filter(user=user).count() == 1
    assert ConsentChange.objects.filter(consent__user=user).count() == 1


def test_unknown_purpose_or_source_is_refused_and_changes_nothing(club):
    user = _member(club)
    with pytest.raises(ConsentError):
        consent_set(user=user, club=club, purpose="telemarketing", given=True, source=ConsentSource.PROFILE)
    with pytest.raises(ConsentError):
        consent_set(user=user, club=club, purpose=OFFERS, given=True, source="guess")
    assert not Consent.objects.exists()


def test_offer_audience_reaches_only_members_who_consented(club):
    yes, no, withdrawn = _member(club), _member(club), _member(club)
    consent_set(user=yes, club=club, purpose=OFFERS, given=True, source=ConsentSource.CHECKOUT)
    consent_set(user=withdrawn, club=club, purpose=OFFERS, given=True, source=ConsentSource.CHECKOUT)
    consent_set(user=withdrawn, club=club, purpose=OFFERS, given=False, source=ConsentSource.PROFILE)
    # Consent to club news is not consent to offers.
    consent_set(user=no, club=club, purpose=AUTOMATIONS, given=True, source=ConsentSource.CHECKOUT)
    offer = OfferFactory(club=club)
    reached = {row.user_id for row in offer_audience(offer=offer) if row.reach == 0}
    assert reached == {yes.pk}
    preview = offer_send_preview(offer=offer)
    assert (preview.reached, preview.skipped_opted_out) == (1, 2)


def test_consent_for_one_club_does_not_count_for_another(club, other_club):
    user = _member(club)
    MembershipFactory(user=user, club=other_club, plan=None, consents=False)
    consent_set(user=user, club=other_club, purpose=OFFERS, given=True, source=ConsentSource.PROFILE)
    assert offer_send_preview(offer=OfferFactory(club=club)).reached == 0
    assert offer_send_preview(offer=OfferFactory(club=other_club)).reached == 1


def test_automations_send_only_with_consent_and_renewal_reminders_stay_a_service_message(club):
    yes, no = _member(club), _member(club)
    consent_set(user=yes, club=club, purpose=AUTOMATIONS, given=True, source=ConsentSource.CHECKOUT)
    members = Membership.objects.filter(club=club)
    assert {m.user_id for m in reachable(members, kind="welcome")} == {yes.pk}
    # Win-back and upgrade nudges sell something: they need the offer consent.
    assert list(reachable(members, kind="win_back")) == []
    consent_set(user=no, club=club, purpose=OFFERS, given=True, source=ConsentSource.PROFILE)
    assert {m.user_id for m in reachable(members, kind="win_back")} == {no.pk}
    assert {m.user_id for m in reachable(members, kind="renewal_reminder")} == {yes.pk, no.pk}


def test_double_opt_in_sends_no_offer_until_the_emailed_link_is_confirmed(
    club, client, django_capture_on_commit_callbacks
):
    club.offer_double_opt_in = True
    club.save()
    user = _member(club)
    with django_capture_on_commit_callbacks(execute=True):
        consent = consent_set(user=user, club=club, purpose=OFFERS, given=True, source=ConsentSource.CHECKOUT)
    assert consent.status == ConsentStatus.PENDING
    offer = OfferFactory(club=club)
    assert offer_send_preview(offer=offer).reached == 0
    [message] = mail.outbox
    assert message.to == [user.email]
    link = _confirm_link(message)
    assert client.get(link).status_code == 200  # a GET only asks (mail scanners follow links)
    assert Consent.objects.get(pk=consent.pk).status == ConsentStatus.PENDING
    response = client.post(link)
    assert response.status_code == 200
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.GIVEN and consent.confirmed_at is not None
    assert _history(consent) == [("pending", "checkout"), ("given", "email")]
    assert offer_send_preview(offer=offer).reached == 1


def test_double_opt_in_turned_on_later_holds_back_unconfirmed_consents(club):
    user = _member(club)
    consent_set(user=user, club=club, purpose=OFFERS, given=True, source=ConsentSource.CHECKOUT)
    offer = OfferFactory(club=club)
    assert offer_send_preview(offer=offer).reached == 1
    club.offer_double_opt_in = True
    club.save()
    assert offer_send_preview(offer=offer).reached == 0


def test_confirmation_link_of_a_withdrawn_consent_is_refused(club):
    club.offer_double_opt_in = True
    club.save()
    user = _member(club)
    consent = consent_set(user=user, club=club, purpose=OFFERS, given=True, source=ConsentSource.PROFILE)
    consent_set(user=user, club=club, purpose=OFFERS, given=False, source=ConsentSource.PROFILE)
    with pytest.raises(ConsentError):
        consent_confirm(token=token_make(purpose=CONFIRM_PURPOSE, parts=[consent.pk]))
    assert Consent.objects.get(pk=consent.pk).status == ConsentStatus.WITHDRAWN


def test_a_forged_or_expired_confirmation_link_answers_400_and_changes_nothing(club, client, settings):
    club.offer_double_opt_in = True
    club.save()
    consent = consent_set(user=_member(club), club=club, purpose=OFFERS, given=True, source=ConsentSource.PROFILE)
    assert client.post(reverse("clubs:consent-confirm", args=["forged-token"])).status_code == 400
    settings.CONSENT_CONFIRM_DAYS = -1  # every link is already too old
    token = token_make(purpose=CONFIRM_PURPOSE, parts=[consent.pk])
    response = client.post(reverse("clubs:consent-confirm", args=[token]))
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert Consent.objects.get(pk=consent.pk).status == ConsentStatus.PENDING


def test_join_page_records_the_ticked_boxes_with_source_checkout(client, club, stripe_emulator):
    user = UserFactory()
    client.force_login(user)
    plan = club.plans.get(name="Monthly")
    client.post(reverse("billing:club-join", args=[club.slug, plan.pk]), {"consent_automations": "yes"})
    consents = {c.purpose: (c.status, c.source) for c in Consent.objects.filter(user=user, club=club)}
    assert consents == {AUTOMATIONS: ("given", "checkout")}  # the unticked offer box is no consent


def test_join_without_ticking_gives_no_consent(client, club, stripe_emulator, django_capture_on_commit_callbacks):
    user = UserFactory()
    join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.first(), consent=False
    )
    assert not Consent.objects.filter(user=user).exists()


def test_privacy_page_withdraws_and_gives_with_one_click_each(client, club):
    user = _member(club)
    consent_set(user=user, club=club, purpose=OFFERS, given=True, source=ConsentSource.CHECKOUT)
    client.force_login(user)
    url = reverse("privacy:consent-update", args=[club.pk, OFFERS])
    assert client.post(url, {"given": "no"})["Location"] == reverse("privacy:home")
    assert Consent.objects.get(user=user, purpose=OFFERS).status == ConsentStatus.WITHDRAWN
    client.post(url, {"given": "yes"})
    consent = Consent.objects.get(user=user, purpose=OFFERS)
    assert (consent.status, consent.source) == (ConsentStatus.GIVEN, ConsentSource.PROFILE)
    assert _history(consent) == [("given", "checkout"), ("withdrawn", "profile"), ("given", "profile")]


def test_privacy_page_refuses_a_club_the_member_never_joined_and_an_unknown_purpose(client, club, other_club):
    user = _member(club)
    client.force_login(user)
    assert (
        client.post(reverse("privacy:consent-update", args=[other_club.pk, OFFERS]), {"given": "yes"}).status_code
        == 404
    )
    assert client.post(reverse("privacy:consent-update", args=[club.pk, "spam"]), {"given": "yes"}).status_code == 404
    assert not Consent.objects.exists()


@pytest.mark.parametrize("clubs", [1, 8])
def test_privacy_page_query_budget(client, clubs, django_assert_max_num_queries):
    user = UserFactory()
    for _ in range(clubs):
        MembershipFactory(user=user, club=ClubFactory(), plan=None)
    client.force_login(user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("privacy:home"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="consent-club"') == clubs


def test_existing_members_consents_come_from_their_profile_in_the_migration(transactional_db):
    """The data migration records what members said in their profile before consent was recorded (source import)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("clubs", "0010_membership_last_activity_at")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    club_model, membership_model = old.get_model("clubs", "Club"), old.get_model("clubs", "Membership")
    club = club_model.objects.create(name="Old club", slug="old-club")
    # Only clubs went back a step: users are the current model.
    yes = UserFactory(email="yes@example.com", email_offers=True, email_club_news=False)
    no = UserFactory(email="no@example.com", email_offers=False, email_club_news=False)
    for user in (yes, no):
        membership_model.objects.create(user_id=user.pk, club_id=club.pk)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = list(Consent.objects.values_list("user__email", "purpose", "status", "source"))
    assert rows == [("yes@example.com", "offers", "given", "import")]
    assert ConsentChange.objects.filter(consent__user__email="yes@example.com").count() == 1


def test_sending_an_offer_emails_only_the_members_who_consented(club, django_capture_on_commit_callbacks):
    from offers.services.sending import offer_send_start

    leader = UserFactory()
    club.leaders.add(leader)
    yes, no = _member(club), _member(club)
    consent_set(user=yes, club=club, purpose=OFFERS, given=True, source=ConsentSource.CHECKOUT)
    offer = OfferFactory(club=club)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=leader)
    recipients = [address for message in mail.outbox for address in message.to]
    assert recipients == [yes.email]
    assert no.email not in recipients
