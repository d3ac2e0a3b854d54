"""``Membership.last_activity_at`` stays equal to the newest activity row, whatever writes or removes rows.

The readers (quiet and active members, last activity) compare that column instead of scanning the sources
(clubs/activity.py). The reference here is the newest timestamp among the rows the test knows it created and
has not deleted, kept in plain Python beside them.
"""

from datetime import UTC, datetime, timedelta

import pytest

from clubs import activity
from clubs.models import Membership
from events.models import Attendance, Rsvp
from feed.models import Achievement
from tests.events.factories import AttendanceFactory, EventOccurrenceFactory, RsvpFactory
from tests.factories import MembershipFactory, UserFactory
from tests.feed.factories import AchievementFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _column(membership: Membership) -> datetime | None:
    return Membership.objects.values_list("last_activity_at", flat=True).get(pk=membership.pk)


def test_last_activity_follows_every_source_through_saves_edits_and_deletes(club, other_club):
    membership = MembershipFactory(club=club, plan=None)
    user = membership.user
    known: dict[str, datetime] = {}  # the reference: what rows of this member in this club exist, and when

    assert _column(membership) is None

    rsvp = RsvpFactory(occurrence=EventOccurrenceFactory(club=club), user=user, responded_at=NOW - timedelta(days=9))
    known["rsvp"] = rsvp.responded_at
    assert _column(membership) == max(known.values())

    occurrence = EventOccurrenceFactory(club=club)
    check_in = AttendanceFactory(occurrence=occurrence, user=user, checked_in_at=NOW - timedelta(days=2))
    known["check-in"] = check_in.checked_in_at
    post = AchievementFactory(club=club, author=user, created_at=NOW - timedelta(days=20), is_hidden=True)
    known["post"] = post.created_at  # hidden later or not, posting was a sign of life
    assert _column(membership) == NOW - timedelta(days=2) == max(known.values())

    # Activity elsewhere moves nothing here.
    AttendanceFactory(occurrence=EventOccurrenceFactory(club=other_club), user=user, checked_in_at=NOW)
    AchievementFactory(club=club, author=UserFactory(), created_at=NOW)
    assert _column(membership) == max(known.values())

    # An edit to an earlier time goes back to the newest remaining row.
    check_in.checked_in_at = NOW - timedelta(days=30)
    check_in.save()
    known["check-in"] = check_in.checked_in_at
    assert _column(membership) == NOW - timedelta(days=9) == max(known.values())

    # Deleting a row (as events' check-in undo does, by a queryset delete) and a cascade from its event.
    Rsvp.objects.filter(pk=rsvp.pk).delete()
    del known["rsvp"]
    assert _column(membership) == NOW - timedelta(days=20) == max(known.values())
    occurrence.delete()
    del known["check-in"]
    assert not Attendance.objects.filter(user=user, occurrence__club=club).exists()
    assert _column(membership) == max(known.values())
    Achievement.objects.filter(pk=post.pk).delete()
    assert _column(membership) is None


def test_membership_created_after_activity_reads_the_earlier_activity(club):
    guest = UserFactory()
    RsvpFactory(occurrence=EventOccurrenceFactory(club=club), user=guest, responded_at=NOW - timedelta(days=3))
    AchievementFactory(club=club, author=guest, created_at=NOW - timedelta(days=5))

    membership = MembershipFactory(club=club, user=guest, plan=None)

    assert _column(membership) == NOW - timedelta(days=3)


def test_regression_saving_a_stale_membership_keeps_the_newer_activity(club):
    """A membership read before an RSVP and saved after it (a status change, the admin) must not write back
    the empty ``last_activity_at`` it was read with."""
    membership = MembershipFactory(club=club, plan=None)
    stale = Membership.objects.get(pk=membership.pk)
    RsvpFactory(occurrence=EventOccurrenceFactory(club=club), user=membership.user, responded_at=NOW)

    stale.complimentary_reason = "Volunteer"
    stale.save()

    assert _column(membership) == NOW
    assert Membership.objects.get(pk=membership.pk).complimentary_reason == "Volunteer"


def test_refresh_recomputes_the_column_after_writes_that_send_no_signals(club, other_club):
    """``bulk_create`` sends no signals: ``last_activity_refresh`` (the migration's backfill) sets every row."""
    members = [MembershipFactory(club=club, plan=None) for _ in range(3)]
    elsewhere = MembershipFactory(club=other_club, user=members[0].user, plan=None)
    occurrence = EventOccurrenceFactory(club=club)
    times = [NOW - timedelta(days=days) for days in (4, 40)]
    Rsvp.objects.bulk_create(
        [
            Rsvp(occurrence=occurrence, user=member.user, responded_at=at)
            for member, at in zip(members[:2], times, strict=True)
        ]
    )
    Achievement.objects.bulk_create([Achievement(club=club, author=members[1].user, text="Ran", created_at=NOW)])
    assert {_column(member) for member in members} == {None}

    changed = activity.last_activity_refresh(Membership.objects.all())

    assert changed == 4
    assert [_column(member) for member in members] == [times[0], NOW, None]
    assert _column(elsewhere) is None
