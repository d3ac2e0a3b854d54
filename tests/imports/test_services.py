"""The import's services: preview (nothing written), confirm, idempotence, Stripe links, encodings, limits."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from billing.models import StripeCustomer, Subscription
from clubs.models import Consent, ConsentPurpose, ConsentSource, ConsentStatus, Membership, MembershipStatusChange
from imports import formats, services
from imports.exceptions import ImportsError
from imports.models import ImportFormat, ImportJob, ImportRow, ImportStatus, RowOutcome
from members.models import User
from tests.factories import MembershipFactory, UserFactory
from tests.imports.helpers import csv_bytes, foreign_subscription, leader_of, sample

pytestmark = pytest.mark.django_db
FAR = datetime.date(2030, 12, 31)


def preview(club, data, *, until=FAR, plan=None, invite=True, source_format=""):
    return services.import_preview(
        club=club,
        actor=leader_of(club),
        data=data,
        filename="members.csv",
        complimentary_until=until,
        default_plan=plan,
        send_invitations=invite,
        source_format=source_format,
    )


def invitations() -> list:
    """The import's invitations among the emails sent (the welcome automation may greet new members too)."""
    return [message for message in mail.outbox if "has moved here" in message.subject]


def outcomes(job) -> dict[str, str]:
    return dict(ImportRow.objects.filter(job=job).values_list("email", "outcome"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("generic", ImportFormat.GENERIC),
        ("ghost", ImportFormat.GHOST),
        ("patreon", ImportFormat.PATREON),
        ("memberful", ImportFormat.MEMBERFUL),
    ],
)
def test_each_sample_is_recognised_by_its_columns(name, expected):
    headers, _rows = formats.read_rows(formats.decode(sample(name)).text, max_rows=10)
    assert formats.detect(headers) == expected


def test_preview_writes_no_member(club):
    users, memberships = User.objects.count(), Membership.objects.count()
    job = preview(club, sample("generic"))
    assert User.objects.count() == users + 1  # only the leader made for the test
    assert Membership.objects.count() == memberships
    assert outcomes(job) == dict.fromkeys(["ada@example.com", "grace@example.com", "linus@example.com"], "create")
    assert not invitations()


def test_preview_explains_each_bad_row(club, stripe_emulator):
    data = csv_bytes(
        "email,name,plan,complimentary_until,stripe_subscription_id",
        "not-an-email,Bad,,,",
        "ok@example.com,Fine,Monthly,,",
        "OK@example.com,Twice,,,",
        "plan@example.com,Plan,Platinum,,",
        "date@example.com,Date,,31/31/2030,",
        "stripe@example.com,Stripe,Monthly,,sub_doesnotexist",
    )
    job = preview(club, data)
    rows = {row.line: (row.outcome, row.message) for row in job.rows.all()}
    assert rows[2] == ("error", "Not a valid email address: “not-an-email”.")
    assert rows[3] == ("create", "")
    assert rows[4] == ("error", "This email is already on line 3 of the file.")
    assert rows[5] == ("error", "The club has no plan called “Platinum”.")
    assert rows[6] == ("error", "Not a date: “31/31/2030”. Write dates as YYYY-MM-DD.")
    assert rows[7] == ("error", "Stripe has no subscription sub_doesnotexist.")


def test_confirm_grants_complimentary_until_the_end_of_the_chosen_day(club, django_capture_on_commit_callbacks):
    job = preview(club, sample("generic"), until=datetime.date(2030, 1, 15))
    with django_capture_on_commit_callbacks(execute=True):
        result = services.import_confirm(job=job, actor=job.created_by)
    assert (result.applied, result.failed, result.invitations) == (3, 0, 3)
    berlin = ZoneInfo("Europe/Berlin")  # the club's time zone (tests/factories.py)
    ada = Membership.objects.get(club=club, user__email="ada@example.com")
    assert ada.is_complimentary and ada.status == "active"
    assert ada.complimentary_until == datetime.datetime(2030, 7, 1, tzinfo=berlin)  # the row's own 2030-06-30
    grace = Membership.objects.get(club=club, user__email="grace@example.com")
    assert grace.complimentary_until == datetime.datetime(2030, 1, 16, tzinfo=berlin)
    assert grace.plan.name == "Yearly"
    assert sorted(message.to[0] for message in invitations()) == [
        "ada@example.com",
        "grace@example.com",
        "linus@example.com",
    ]
    assert not User.objects.get(email="ada@example.com").has_usable_password()
    job.refresh_from_db()
    assert job.status == ImportStatus.CONFIRMED and job.text == ""


def test_invitations_wait_for_the_leaders_confirmation(club, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        preview(club, sample("generic"))
    assert not invitations()


def test_reimporting_the_same_file_changes_nothing(club, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = preview(club, sample("ghost"))
        services.import_confirm(job=first, actor=first.created_by)
    sent, changes = len(invitations()), MembershipStatusChange.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again = preview(club, sample("ghost"))
        result = services.import_confirm(job=again, actor=again.created_by)
    assert set(outcomes(again).values()) == {RowOutcome.UNCHANGED}
    assert (result.applied, result.invitations) == (0, 0)
    assert MembershipStatusChange.objects.count() == changes
    assert len(invitations()) == sent == 3


def test_confirming_twice_applies_once(club, django_capture_on_commit_callbacks):
    job = preview(club, sample("generic"))
    with django_capture_on_commit_callbacks(execute=True):
        services.import_confirm(job=job, actor=job.created_by)
        second = services.import_confirm(job=job, actor=job.created_by)
    assert second.applied == 0
    assert len(invitations()) == 3
    assert Membership.objects.filter(club=club, is_complimentary=True).count() == 3


def test_an_existing_member_is_updated_and_keeps_their_name(club):
    member = MembershipFactory(club=club, plan=club.plans.first(), user__email="ada@example.com").user
    member.display_name = "Countess"
    member.save()
    job = preview(club, sample("generic"))
    assert outcomes(job)["ada@example.com"] == RowOutcome.UPDATE
    services.import_confirm(job=job, actor=job.created_by)
    member.refresh_from_db()
    assert member.display_name == "Countess"
    assert Membership.objects.get(user=member, club=club).is_complimentary


def test_stripe_subscription_is_linked_and_mirrored(club, stripe_emulator, django_capture_on_commit_callbacks):
    subscription_id = foreign_subscription(stripe_emulator, email="payer@example.com")
    data = csv_bytes("email,name,plan,stripe_subscription_id", f"payer@example.com,Payer,Monthly,{subscription_id}")
    job = preview(club, data, until=None)
    assert outcomes(job) == {"payer@example.com": RowOutcome.CREATE}
    with django_capture_on_commit_callbacks(execute=True):
        services.import_confirm(job=job, actor=job.created_by)
    membership = Membership.objects.get(club=club, user__email="payer@example.com")
    mirrored = Subscription.objects.get(stripe_subscription_id=subscription_id)
    assert mirrored.membership == membership and mirrored.status == "active"
    assert membership.status == "active" and not membership.is_complimentary
    stripe_side = stripe_emulator.get(subscription_id)
    assert stripe_side["metadata"]["membership_id"] == str(membership.pk)
    assert StripeCustomer.objects.get(user=membership.user).stripe_customer_id == stripe_side["customer"]
    again = preview(club, data, until=None)
    assert outcomes(again) == {"payer@example.com": RowOutcome.UNCHANGED}


def test_a_paying_member_is_not_made_complimentary(club, stripe_emulator):
    subscription_id = foreign_subscription(stripe_emulator, email="payer@example.com")
    linked = preview(
        club, csv_bytes("email,plan,stripe_subscription_id", f"payer@example.com,Monthly,{subscription_id}")
    )
    services.import_confirm(job=linked, actor=linked.created_by)
    job = preview(club, csv_bytes("email,complimentary_until", "payer@example.com,2030-01-01"))
    row = job.rows.get()
    assert row.outcome == RowOutcome.ERROR and row.message.startswith("Still pays at this club")
    assert not Membership.objects.get(club=club, user__email="payer@example.com").is_complimentary


def test_a_complimentary_member_linked_to_stripe_stops_being_complimentary(club, stripe_emulator):
    first = preview(club, csv_bytes("email,complimentary_until", "payer@example.com,2030-01-01"))
    services.import_confirm(job=first, actor=first.created_by)
    subscription_id = foreign_subscription(stripe_emulator, email="payer@example.com")
    job = preview(club, csv_bytes("email,plan,stripe_subscription_id", f"payer@example.com,Monthly,{subscription_id}"))
    assert job.rows.get().outcome == RowOutcome.UPDATE
    services.import_confirm(job=job, actor=job.created_by)
    membership = Membership.objects.get(club=club, user__email="payer@example.com")
    assert not membership.is_complimentary and membership.status == "active"
    assert membership.subscriptions.get().stripe_subscription_id == subscription_id


def test_an_ended_stripe_subscription_is_refused(club, stripe_emulator):
    subscription_id = foreign_subscription(stripe_emulator, email="gone@example.com")
    stripe_emulator.client().v1.subscriptions.cancel(subscription_id)
    job = preview(club, csv_bytes("email,plan,stripe_subscription_id", f"gone@example.com,Monthly,{subscription_id}"))
    [row] = job.rows.all()
    assert (row.outcome, row.message) == ("error", f"The Stripe subscription {subscription_id} has ended.")


def test_patreon_former_patrons_are_not_imported(club):
    job = preview(club, sample("patreon"))
    rows = {row.email or row.line: row for row in job.rows.all()}
    assert rows["ada@example.com"].outcome == RowOutcome.CREATE
    assert rows["grace@example.com"].complimentary_until == datetime.datetime(
        2030, 5, 13, tzinfo=ZoneInfo("Europe/Berlin")
    )
    skipped = [row for row in job.rows.all() if row.outcome == RowOutcome.SKIP]
    assert [row.line for row in skipped] == [4]
    assert "Former patron" in skipped[0].message


def test_memberful_dates_are_month_first(club):
    job = preview(club, sample("memberful"))
    ada = job.rows.get(email="ada@example.com")
    assert ada.complimentary_until == datetime.datetime(2030, 7, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    assert job.rows.get(email="linus@example.com").name == "Linus Torvalds"  # from first and last name


def test_ghost_newsletter_answer_is_recorded_as_imported_consent(club):
    job = preview(club, sample("ghost"))
    services.import_confirm(job=job, actor=job.created_by)
    consents = {
        consent.user.email: consent
        for consent in Consent.objects.filter(club=club, purpose=ConsentPurpose.AUTOMATIONS).select_related("user")
    }
    assert consents["ada@example.com"].status == ConsentStatus.GIVEN
    assert consents["ada@example.com"].source == ConsentSource.IMPORT
    assert "grace@example.com" not in consents  # "false": never given, so nothing to withdraw


def test_remapping_reads_the_file_again(club):
    data = csv_bytes("E-Mail-Adresse,Name", "ada@example.com,Ada")
    job = preview(club, data)
    assert job.rows.get().outcome == RowOutcome.ERROR  # no column is called email
    services.import_remap(
        job=job, source_format=ImportFormat.GENERIC, mapping={"email": "E-Mail-Adresse", "name": "Name"}
    )
    row = job.rows.get()
    assert (row.outcome, row.email, row.name) == (RowOutcome.CREATE, "ada@example.com", "Ada")


def test_remapping_to_a_column_not_in_the_file_is_refused(club):
    job = preview(club, sample("generic"))
    with pytest.raises(ImportsError):
        services.import_remap(job=job, source_format=ImportFormat.GENERIC, mapping={"email": "nope"})


def test_utf8_with_byte_order_mark_is_read(club):
    job = preview(club, "\ufeffemail,name\nzoe@example.com,Zoë\n".encode())
    row = job.rows.get()
    assert (row.email, row.name, job.encoding) == ("zoe@example.com", "Zoë", "utf-8")


def test_windows_1252_falls_back_with_a_notice(club):
    job = preview(club, csv_bytes("email;name", "zoe@example.com;Zoë Müller", encoding="cp1252"))
    row = job.rows.get()
    assert (row.name, job.encoding) == ("Zoë Müller", "cp1252")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file"),
        (b"email\n", "The file has a header row but no members."),
        (b'email\n"ada@example.com\n', "The file is not valid CSV"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(club, data, message):
    with pytest.raises(ImportsError, match=message):
        preview(club, data)


def test_too_many_rows_are_refused(club, settings):
    settings.IMPORT_MAX_ROWS = 2
    with pytest.raises(ImportsError, match="more than 2 members"):
        preview(club, sample("generic"))


def test_too_large_a_file_is_refused(club, settings):
    settings.IMPORT_MAX_BYTES = 50
    with pytest.raises(ImportsError, match="larger than"):
        preview(club, sample("generic"))


def test_complimentary_rows_need_an_end_date(club):
    job = preview(club, csv_bytes("email", "ada@example.com"), until=None)
    row = job.rows.get()
    assert row.outcome == RowOutcome.ERROR and "until when" in row.message


def test_a_plan_of_another_club_is_refused(club, other_club):
    from tests.factories import PlanFactory

    with pytest.raises(ImportsError):
        preview(club, sample("generic"), plan=PlanFactory(club=other_club))


def test_invitation_goes_once_per_member_and_club(club, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = preview(club, csv_bytes("email,complimentary_until", "ada@example.com,2030-01-01"))
        services.import_confirm(job=job, actor=job.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        later = preview(club, csv_bytes("email,complimentary_until", "ada@example.com,2031-01-01"))
        result = services.import_confirm(job=later, actor=later.created_by)
    assert result.applied == 1 and result.invitations == 0
    row = job.rows.get()
    assert services.import_invitation_send(row_id=row.pk) is False
    assert len(invitations()) == 1


def test_invitation_link_works_until_the_password_is_set(club):
    user = UserFactory(email="ada@example.com")
    user.set_unusable_password()
    user.save()
    token = services.invitation_token(user=user, club=club)
    assert services.invitation_read(token=token) == (user, club)
    services.invitation_accept(user=user, password="a-long-new-password-1")
    with pytest.raises(ImportsError, match="used already"):
        services.invitation_read(token=token)
    with pytest.raises(ImportsError, match="not valid"):
        services.invitation_read(token=token + "x")


def test_unconfirmed_previews_are_purged_after_a_week(club):
    old = preview(club, sample("generic"))
    kept = preview(club, sample("ghost"))
    done = preview(club, sample("patreon"))
    services.import_confirm(job=done, actor=done.created_by)
    ImportJob.objects.filter(pk__in=[old.pk, done.pk]).update(created_at=timezone.now() - datetime.timedelta(days=8))
    services.import_previews_purge()
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {kept.pk, done.pk}
    assert not ImportRow.objects.filter(job_id=old.pk).exists()


def test_confirming_runs_the_import_after_the_commit_once(club, django_capture_on_commit_callbacks):
    job = preview(club, sample("generic"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.import_confirm_request(job=job, actor=job.created_by) is True
        assert services.import_confirm_request(job=job, actor=job.created_by) is False  # a double click
    assert len(callbacks) == 1
    assert not Membership.objects.filter(club=club).exists()  # nothing applied before the commit
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    job.refresh_from_db()
    assert job.status == ImportStatus.CONFIRMED
    assert Membership.objects.filter(club=club, is_complimentary=True).count() == 3
    assert len(invitations()) == 3
