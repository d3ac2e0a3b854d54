"""Each automation fires once at the right time (frozen clock), not before, never twice; preferences, email
suppression and the weekly offer cap are respected."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail

from automations.hooks import AUTOMATION_SEND_NOT_SENT
from automations.models import AutomationKind, AutomationSend, ClubAutomationSettings, SendStatus
from automations.selectors import inactive_members, offer_email_counts
from automations.services.triggers import win_back_stage_for
from clubs.models import MembershipStatus, MembershipStatusChange
from members.models import EmailSuppression
from offers import selectors as offer_selectors
from offers.models import DeliveryBatch, DeliveryStatus, OfferDelivery, OfferSend, OfferUnsubscribe
from tests.automations.conftest import NOW
from tests.automations.factories import AutomationSendFactory
from tests.events.factories import AttendanceFactory, EventOccurrenceFactory, RsvpFactory
from tests.factories import MembershipFactory, UserFactory
from tests.feed.factories import AchievementFactory
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


def member(club, *, plan_name="Monthly", started_at=NOW - timedelta(hours=1), status=MembershipStatus.ACTIVE, **user):
    return MembershipFactory(
        club=club, plan=club.plans.get(name=plan_name), status=status, started_at=started_at, user=UserFactory(**user)
    )


def sends(kind, **filters):
    return AutomationSend.objects.filter(kind=kind, **filters)


# --- Welcome and the day-7 nudge ----------------------------------------------------------------------


def test_welcome_is_sent_once_after_joining_with_the_next_event(club, run):
    joined = member(club, started_at=NOW - timedelta(hours=2))
    EventOccurrenceFactory(club=club, title="Sunday walk", starts_in=timedelta(days=400))

    assert run(AutomationKind.WELCOME, club, NOW - timedelta(hours=2) - MINUTE) == 0  # not before joining
    assert run(AutomationKind.WELCOME, club, NOW) == 1
    assert run(AutomationKind.WELCOME, club, NOW + timedelta(hours=1)) == 0  # never twice

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [joined.user.email]
    assert "Welcome to Healthy and Happy Club" in message.subject
    assert "Sunday walk" in message.body
    assert "Share it with the club as an achievement" in message.body
    assert sends(AutomationKind.WELCOME).get().status == SendStatus.SENT


def test_welcome_respects_club_news_preference_and_suppression(club, run):
    member(club, email_club_news=False)
    bounced = member(club)
    EmailSuppression.objects.create(email=bounced.user.email, reason="bounced")

    assert run(AutomationKind.WELCOME, club, NOW) == 0
    assert mail.outbox == []


def test_welcome_does_not_mail_members_who_joined_long_ago_when_switched_on(club, run):
    member(club, started_at=NOW - timedelta(days=30))
    assert run(AutomationKind.WELCOME, club, NOW) == 0


def test_switched_off_automation_sends_nothing(club, run):
    ClubAutomationSettings.objects.create(club=club, welcome_enabled=False)
    member(club)
    assert run(AutomationKind.WELCOME, club, NOW) == 0


def test_welcome_nudge_fires_on_day_seven_when_member_neither_answered_nor_posted(club, run):
    joined_at = NOW - timedelta(days=7)
    quiet = member(club, started_at=joined_at)
    answered = member(club, started_at=joined_at)
    RsvpFactory(occurrence=EventOccurrenceFactory(club=club), user=answered.user, responded_at=joined_at + MINUTE)
    posted = member(club, started_at=joined_at)
    AchievementFactory(club=club, author=posted.user, created_at=joined_at + MINUTE)

    assert run(AutomationKind.WELCOME_NUDGE, club, NOW - MINUTE) == 0  # day 6, 23:59
    assert run(AutomationKind.WELCOME_NUDGE, club, NOW) == 1
    assert run(AutomationKind.WELCOME_NUDGE, club, NOW + timedelta(hours=1)) == 0
    assert [message.to for message in mail.outbox] == [[quiet.user.email]]


# --- Renewal reminders ----------------------------------------------------------------------------------


def test_renewal_reminder_seven_days_before_a_yearly_plan_renews(club, run):
    yearly = member(club, plan_name="Yearly", started_at=NOW - timedelta(days=358))
    yearly.current_period_end = NOW + timedelta(days=7)
    yearly.save()
    monthly = member(club, plan_name="Monthly")
    monthly.current_period_end = NOW + timedelta(days=3)
    monthly.save()

    assert run(AutomationKind.RENEWAL_REMINDER, club, NOW - MINUTE) == 0  # 7 days and a minute before
    assert run(AutomationKind.RENEWAL_REMINDER, club, NOW) == 1
    assert run(AutomationKind.RENEWAL_REMINDER, club, NOW + timedelta(days=1)) == 0

    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == [yearly.user.email]
    assert "$48.00" in body
    assert "June 22, 2026" in body
    assert "/a/" in body  # the tracked link to manage the membership


def test_renewal_reminder_days_are_configurable_and_six_month_plans_count(club, run):
    ClubAutomationSettings.objects.create(club=club, renewal_reminder_days=14)
    half_year = member(club, plan_name="6 months")
    half_year.current_period_end = NOW + timedelta(days=14)
    half_year.save()
    assert run(AutomationKind.RENEWAL_REMINDER, club, NOW) == 1


def test_renewal_reminder_is_sent_again_for_the_next_renewal(club, run):
    yearly = member(club, plan_name="Yearly")
    yearly.current_period_end = NOW + timedelta(days=7)
    yearly.save()
    assert run(AutomationKind.RENEWAL_REMINDER, club, NOW) == 1
    yearly.current_period_end += relativedelta(years=1)
    yearly.save()
    assert run(AutomationKind.RENEWAL_REMINDER, club, NOW + relativedelta(years=1)) == 1


# --- Upgrade nudge ------------------------------------------------------------------------------------


def test_upgrade_nudge_after_three_months_on_monthly_offers_the_longest_plan_with_its_saving(club, run):
    monthly = member(club, plan_name="Monthly", started_at=NOW - relativedelta(months=3))

    assert run(AutomationKind.UPGRADE_NUDGE, club, NOW - MINUTE) == 0
    assert run(AutomationKind.UPGRADE_NUDGE, club, NOW) == 1
    assert run(AutomationKind.UPGRADE_NUDGE, club, NOW + timedelta(days=1)) == 0

    message = mail.outbox[0]
    assert message.to == [monthly.user.email]
    assert "Yearly" in message.body
    assert "$12.00 (20%)" in message.body  # 12 x $5 - $48
    assert "List-Unsubscribe" in message.extra_headers
    assert sends(AutomationKind.UPGRADE_NUDGE).get().is_offer


def test_upgrade_nudge_respects_offer_preference_and_offer_unsubscribe(club, run):
    member(club, started_at=NOW - relativedelta(months=4), email_offers=False)
    unsubscribed = member(club, started_at=NOW - relativedelta(months=4))
    OfferUnsubscribe.objects.create(club=club, user=unsubscribed.user)
    assert run(AutomationKind.UPGRADE_NUDGE, club, NOW) == 0


def _offer_delivery(club, user, at, status=DeliveryStatus.SENT):
    offer = OfferFactory(club=club)
    send = OfferSend.objects.create(offer=offer)
    batch = DeliveryBatch.objects.create(send=send)
    return OfferDelivery.objects.create(offer=offer, club=club, user=user, batch=batch, status=status, created_at=at)


def test_upgrade_nudge_respects_the_weekly_offer_cap_shared_with_offer_emails(club, run):
    capped = member(club, started_at=NOW - relativedelta(months=4))
    _offer_delivery(club, capped.user, NOW - timedelta(days=1))
    AutomationSendFactory(
        membership=capped, kind=AutomationKind.WIN_BACK, is_offer=True, created_at=NOW - timedelta(days=2)
    )
    assert club.max_offer_emails_per_week == 2
    assert run(AutomationKind.UPGRADE_NUDGE, club, NOW) == 0

    # A week later the window has moved on.
    assert run(AutomationKind.UPGRADE_NUDGE, club, NOW + timedelta(days=7)) == 1


def test_both_apps_count_the_same_offer_emails_for_the_same_member(club, run, django_assert_num_queries):
    capped = member(club, started_at=NOW - relativedelta(months=4))
    _offer_delivery(club, capped.user, NOW - timedelta(days=1))
    AutomationSendFactory(
        membership=capped, kind=AutomationKind.WIN_BACK, is_offer=True, created_at=NOW - timedelta(days=2)
    )
    # None of these count, in either app.
    _offer_delivery(club, capped.user, NOW - timedelta(days=3), status=DeliveryStatus.FAILED)
    _offer_delivery(club, capped.user, NOW - timedelta(days=8))
    AutomationSendFactory(membership=capped, kind=AutomationKind.WELCOME, created_at=NOW - timedelta(days=1))
    AutomationSendFactory(
        membership=capped, kind=AutomationKind.BIRTHDAY, is_offer=True, status=SendStatus.SKIPPED, created_at=NOW
    )
    assert club.max_offer_emails_per_week == 2

    with django_assert_num_queries(1):
        assert offer_email_counts(club=club, user_ids=[capped.user_id], now=NOW) == {capped.user_id: 2}
    new_offer = OfferFactory(club=club)
    reach = dict(offer_selectors.offer_audience(offer=new_offer, now=NOW).values_list("user_id", "reach"))
    assert reach == {capped.user_id: offer_selectors.CAPPED}
    assert offer_selectors.offer_send_preview(offer=new_offer, now=NOW).skipped_capped == 1
    assert run(AutomationKind.UPGRADE_NUDGE, club, NOW) == 0

    # Room for one more: both apps see it.
    club.max_offer_emails_per_week = 3
    club.save()
    assert offer_selectors.offer_send_preview(offer=new_offer, now=NOW).reached == 1
    assert run(AutomationKind.UPGRADE_NUDGE, club, NOW) == 1


def test_the_offer_cap_reads_the_automation_send_statuses_that_never_reached_the_member():
    """offers.cap reads automations' table, not its code: its copy of these statuses must stay right."""
    assert set(AUTOMATION_SEND_NOT_SENT) == {SendStatus.FAILED, SendStatus.SKIPPED}


# --- Inactivity ---------------------------------------------------------------------------------------


def test_inactivity_email_after_thirty_silent_days_once_per_silence(club, run):
    silent = member(club, started_at=NOW - timedelta(days=90))
    RsvpFactory(occurrence=EventOccurrenceFactory(club=club), user=silent.user, responded_at=NOW - timedelta(days=30))
    active = member(club, started_at=NOW - timedelta(days=90))
    AchievementFactory(club=club, author=active.user, created_at=NOW - timedelta(days=2))

    assert run(AutomationKind.INACTIVITY, club, NOW - MINUTE) == 0
    assert run(AutomationKind.INACTIVITY, club, NOW) == 1
    assert run(AutomationKind.INACTIVITY, club, NOW + timedelta(days=5)) == 0
    assert mail.outbox[0].to == [silent.user.email]
    assert "We miss you" in mail.outbox[0].subject

    # Back for a while, then silent again: asked again 30 days after the new last activity.
    AttendanceFactory(
        occurrence=EventOccurrenceFactory(club=club), user=silent.user, checked_in_at=NOW + timedelta(days=6)
    )
    run(AutomationKind.INACTIVITY, club, NOW + timedelta(days=35))
    assert sends(AutomationKind.INACTIVITY, user=silent.user).count() == 1
    run(AutomationKind.INACTIVITY, club, NOW + timedelta(days=36))
    assert sends(AutomationKind.INACTIVITY, user=silent.user).count() == 2


def test_inactive_members_are_listed_for_leaders_longest_silent_first(club):
    newer = member(club, started_at=NOW - timedelta(days=40))
    older = member(club, started_at=NOW - timedelta(days=80))
    member(club, started_at=NOW - timedelta(days=10))
    assert list(inactive_members(club=club, now=NOW)) == [older, newer]


# --- Win-back -----------------------------------------------------------------------------------------

STAGES = [(30, 10), (60, 15), (90, 25)]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (29, None),
        (30, (1, 10)),
        (59, (1, 10)),
        (60, (2, 15)),
        (89, (2, 15)),
        (90, (3, 25)),
        (119, (3, 25)),
        (120, None),  # the last stage lasts 30 days; then the member is left alone
    ],
)
def test_win_back_stage_grows_with_time_since_leaving(days, expected):
    elapsed = timedelta(days=days)
    assert win_back_stage_for(elapsed=elapsed, stages=STAGES, window_days=30) == expected


def _lapsed(club, left_at):
    membership = member(club, status=MembershipStatus.CANCELED, started_at=left_at - timedelta(days=100))
    MembershipStatusChange.objects.create(
        membership=membership,
        from_status=MembershipStatus.ACTIVE,
        to_status=MembershipStatus.CANCELED,
        changed_at=left_at,
    )
    return membership


def test_win_back_sends_one_offer_per_stage_with_a_stripe_coupon(club, run, stripe_emulator):
    left_at = NOW - timedelta(days=30)
    lapsed = _lapsed(club, left_at)

    assert run(AutomationKind.WIN_BACK, club, NOW - MINUTE) == 0
    assert run(AutomationKind.WIN_BACK, club, NOW) == 1
    assert run(AutomationKind.WIN_BACK, club, NOW + timedelta(days=10)) == 0  # still stage 1
    assert run(AutomationKind.WIN_BACK, club, left_at + timedelta(days=60)) == 1
    assert run(AutomationKind.WIN_BACK, club, left_at + timedelta(days=90)) == 1
    assert run(AutomationKind.WIN_BACK, club, left_at + timedelta(days=100)) == 0

    stages = list(sends(AutomationKind.WIN_BACK).order_by("created_at"))
    assert [send.percent_off for send in stages] == [10, 15, 25]
    assert [message.to for message in mail.outbox] == [[lapsed.user.email]] * 3
    assert "10% off" in mail.outbox[0].subject
    coupons = [stripe_emulator.objects[send.stripe_coupon_id] for send in stages]
    assert [(coupon["percent_off"], coupon["duration"]) for coupon in coupons] == [
        (10, "once"),
        (15, "once"),
        (25, "once"),
    ]


def test_win_back_stages_are_configurable(club, run):
    ClubAutomationSettings.objects.create(
        club=club, win_back_stage1_days=14, win_back_stage1_percent=5, win_back_stage2_days=45, win_back_stage3_days=75
    )
    _lapsed(club, NOW - timedelta(days=14))
    assert run(AutomationKind.WIN_BACK, club, NOW) == 1
    assert sends(AutomationKind.WIN_BACK).get().percent_off == 5


def test_win_back_respects_the_offer_cap(club, run):
    lapsed = _lapsed(club, NOW - timedelta(days=30))
    _offer_delivery(club, lapsed.user, NOW - timedelta(days=1))
    _offer_delivery(club, lapsed.user, NOW - timedelta(days=2))
    assert run(AutomationKind.WIN_BACK, club, NOW) == 0


# --- Birthdays ----------------------------------------------------------------------------------------


def test_birthday_greeting_once_a_year_on_the_members_own_date(club, run):
    # 15 June 12:00 UTC is already 16 June in Auckland.
    kiwi = member(club, birthday=date(1990, 6, 16), time_zone="Pacific/Auckland")
    member(club, birthday=date(1990, 6, 16), time_zone="Europe/Berlin")  # still the 15th there

    assert run(AutomationKind.BIRTHDAY, club, NOW) == 1
    assert run(AutomationKind.BIRTHDAY, club, NOW + timedelta(hours=1)) == 0
    assert [message.to for message in mail.outbox] == [[kiwi.user.email]]
    assert "Happy birthday" in mail.outbox[0].subject
    assert not sends(AutomationKind.BIRTHDAY).get().is_offer

    assert run(AutomationKind.BIRTHDAY, club, NOW + relativedelta(years=1)) == 1  # next year again


def test_birthday_includes_the_clubs_gift_unless_the_offer_cap_is_reached(club, run):
    gift = OfferFactory(
        club=club, title="Free smoothie", valid_until=NOW + timedelta(days=30), valid_from=NOW - timedelta(days=1)
    )
    ClubAutomationSettings.objects.create(club=club, birthday_gift_offer=gift)
    with_gift = member(club, birthday=date(1985, 6, 15))
    capped = member(club, birthday=date(1985, 6, 15))
    _offer_delivery(club, capped.user, NOW - timedelta(days=1))
    _offer_delivery(club, capped.user, NOW - timedelta(days=1))

    assert run(AutomationKind.BIRTHDAY, club, NOW) == 2
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Free smoothie" in bodies[with_gift.user.email]
    assert "Free smoothie" not in bodies[capped.user.email]
    assert sends(AutomationKind.BIRTHDAY, user=with_gift.user).get().is_offer
    assert not sends(AutomationKind.BIRTHDAY, user=capped.user).get().is_offer


def test_leap_day_birthdays_are_greeted_on_the_28th_in_other_years(club, run):
    member(club, birthday=date(2000, 2, 29), time_zone="UTC")
    assert run(AutomationKind.BIRTHDAY, club, NOW.replace(month=2, day=27)) == 0
    assert run(AutomationKind.BIRTHDAY, club, NOW.replace(month=2, day=28)) == 1


# --- After an event -------------------------------------------------------------------------------------


def test_attendees_are_invited_to_share_once_after_the_event_ends(club, run):
    event = EventOccurrenceFactory(club=club, title="Park run", starts_in=timedelta(days=1))
    attendee = member(club, started_at=NOW - timedelta(days=100))
    AttendanceFactory(occurrence=event, user=attendee.user)
    absent = member(club, started_at=NOW - timedelta(days=100))
    RsvpFactory(occurrence=event, user=absent.user)
    ended = event.ends_at

    assert run(AutomationKind.AFTER_EVENT, club, ended - MINUTE) == 0
    assert run(AutomationKind.AFTER_EVENT, club, ended) == 1
    assert run(AutomationKind.AFTER_EVENT, club, ended + timedelta(hours=2)) == 0
    assert [message.to for message in mail.outbox] == [[attendee.user.email]]
    assert "Park run" in mail.outbox[0].body


def test_after_event_respects_the_event_email_preference(club, run):
    event = EventOccurrenceFactory(club=club, starts_in=timedelta(days=1))
    attendee = member(club, email_event_reminders=False, started_at=NOW - timedelta(days=100))
    AttendanceFactory(occurrence=event, user=attendee.user)
    assert run(AutomationKind.AFTER_EVENT, club, event.ends_at) == 0


# --- Exactly once -----------------------------------------------------------------------------------


def test_a_claim_is_delivered_once_even_when_the_task_runs_twice(club, run):
    from automations.services.delivery import automation_send_deliver

    member(club)
    run(AutomationKind.WELCOME, club, NOW)
    send = sends(AutomationKind.WELCOME).get()
    assert automation_send_deliver(send_pk=send.pk) == "already handled"
    assert len(mail.outbox) == 1


def test_a_member_who_opts_out_after_the_claim_gets_nothing(club, django_capture_on_commit_callbacks):
    from automations.services.triggers import automation_run_kind

    joined = member(club)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        automation_run_kind(club=club, kind=AutomationKind.WELCOME, now=NOW)
    joined.user.email_club_news = False
    joined.user.save()
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    assert sends(AutomationKind.WELCOME).get().status == SendStatus.SKIPPED


# --- Renewal reminder with an expiring card (through the emulated Stripe) ---------------------------------


@pytest.mark.parametrize(("expires_in_months", "asks_to_update"), [(11, True), (12, False)])
def test_renewal_reminder_asks_to_update_a_card_that_expires_before_the_renewal(
    client, club, run, stripe_emulator, django_capture_on_commit_callbacks, expires_in_months, asks_to_update
):
    from billing.models import StripeCustomer
    from tests.billing.flows import join_and_pay

    user = UserFactory()
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.get(name="Yearly")
    )
    expiry = membership.started_at + relativedelta(months=expires_in_months)
    customer_id = StripeCustomer.objects.get(user=user).stripe_customer_id
    stripe_emulator.set_card_expiry(customer_id, month=expiry.month, year=expiry.year)

    assert run(AutomationKind.RENEWAL_REMINDER, club, membership.current_period_end - timedelta(days=7)) == 1
    assert ("Your card expires before then" in mail.outbox[-1].body) is asks_to_update


def test_a_claim_whose_task_was_lost_is_sent_by_the_next_beat(club):
    from django.utils import timezone

    from automations.services.delivery import pending_sends_retry

    lost = AutomationSendFactory(
        membership=member(club),
        status=SendStatus.PENDING,
        sent_at=None,
        created_at=timezone.now() - timedelta(hours=2),
    )
    AutomationSendFactory(membership=member(club), status=SendStatus.PENDING, sent_at=None)  # its task may still run

    assert pending_sends_retry() == 1
    lost.refresh_from_db()
    assert lost.status == SendStatus.SENT
    assert len(mail.outbox) == 1


def test_welcome_goes_out_when_a_membership_starts_not_at_the_next_hourly_run(
    club, run, django_capture_on_commit_callbacks
):
    from clubs.services import membership_transition

    joining = member(club, status=MembershipStatus.PENDING, started_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        membership_transition(membership=joining, to_status=MembershipStatus.ACTIVE)

    assert sends(AutomationKind.WELCOME, membership=joining).count() == 1
    assert [message.to for message in mail.outbox] == [[joining.user.email]]
    # The hourly run finds the same welcome already claimed: never a second one.
    assert run(AutomationKind.WELCOME, club, joining.started_at + timedelta(minutes=30)) == 0
    assert len(mail.outbox) == 1


def test_a_payment_recovering_from_past_due_sends_no_second_welcome(club, django_capture_on_commit_callbacks):
    from clubs.services import membership_transition

    paying = member(club, status=MembershipStatus.PAST_DUE, started_at=NOW - timedelta(days=40))
    with django_capture_on_commit_callbacks(execute=True):
        membership_transition(membership=paying, to_status=MembershipStatus.ACTIVE)
    assert not sends(AutomationKind.WELCOME).exists()
