"""Occurrence dates and times: local wall-clock time is kept across daylight-saving changes."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from events.models import Frequency
from events.recurrence import MAX_OCCURRENCES, local_to_utc, occurrence_dates, plan_occurrences

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def test_weekly_series_keeps_local_time_across_the_autumn_dst_change():
    # Europe/Berlin leaves summer time on Sunday 25 October 2026.
    planned = plan_occurrences(
        start_date=date(2026, 10, 13),
        start_time=time(19, 0),
        duration=timedelta(hours=1, minutes=30),
        time_zone="Europe/Berlin",
        frequency=Frequency.WEEKLY,
        count=4,
    )
    assert [item.original_date for item in planned] == [
        date(2026, 10, 13),
        date(2026, 10, 20),
        date(2026, 10, 27),
        date(2026, 11, 3),
    ]
    assert [item.starts_at.astimezone(BERLIN).time() for item in planned] == [time(19, 0)] * 4
    assert [item.starts_at.astimezone(UTC).hour for item in planned] == [17, 17, 18, 18]
    assert all(item.ends_at - item.starts_at == timedelta(hours=1, minutes=30) for item in planned)


def test_weekly_series_keeps_local_time_across_the_spring_dst_change_in_new_york():
    # America/New_York starts summer time on Sunday 14 March 2027.
    planned = plan_occurrences(
        start_date=date(2027, 3, 9),
        start_time=time(18, 30),
        duration=timedelta(hours=1),
        time_zone="America/New_York",
        frequency=Frequency.WEEKLY,
        until=date(2027, 3, 16),
    )
    assert [item.starts_at for item in planned] == [
        datetime(2027, 3, 9, 23, 30, tzinfo=UTC),
        datetime(2027, 3, 16, 22, 30, tzinfo=UTC),
    ]


def test_every_two_weeks_and_monthly_dates():
    assert occurrence_dates(start_date=date(2027, 1, 5), frequency=Frequency.BIWEEKLY, count=3) == [
        date(2027, 1, 5),
        date(2027, 1, 19),
        date(2027, 2, 2),
    ]
    assert occurrence_dates(start_date=date(2027, 1, 15), frequency=Frequency.MONTHLY, until=date(2027, 4, 15)) == [
        date(2027, 1, 15),
        date(2027, 2, 15),
        date(2027, 3, 15),
        date(2027, 4, 15),
    ]


def test_monthly_series_skips_months_without_the_day():
    dates = occurrence_dates(start_date=date(2027, 1, 31), frequency=Frequency.MONTHLY, count=3)
    assert dates == [date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31)]


def test_one_off_event_has_one_date():
    assert occurrence_dates(start_date=date(2027, 1, 5), frequency=Frequency.ONCE, count=10) == [date(2027, 1, 5)]


def test_generation_is_capped_at_twelve_months_and_a_maximum_count():
    weekly = occurrence_dates(start_date=date(2027, 1, 4), frequency=Frequency.WEEKLY, until=date(2030, 1, 1))
    assert weekly[-1] <= date(2028, 1, 4)
    assert len(weekly) == 53
    many = occurrence_dates(start_date=date(2027, 1, 4), frequency=Frequency.WEEKLY, count=500)
    assert len(many) <= MAX_OCCURRENCES


def test_a_time_that_does_not_exist_moves_an_hour_later():
    # 02:30 on 28 March 2027 does not exist in Berlin (clocks jump from 02:00 to 03:00).
    starts_at = local_to_utc(day=date(2027, 3, 28), at=time(2, 30), time_zone="Europe/Berlin")
    assert starts_at.astimezone(BERLIN).time() == time(3, 30)
