"""Occurrence dates and times: local wall-clock time is kept across daylight-saving changes."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest

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


# --- Monthly on a weekday (issue 21), held against dateutil's rrule (the implementation does its own arithmetic)


def _rrule_dates(start: date, *, byweekday, count: int) -> list[date]:
    from dateutil.rrule import MONTHLY as RR_MONTHLY
    from dateutil.rrule import rrule as reference_rrule

    rule = reference_rrule(RR_MONTHLY, dtstart=datetime.combine(start, time()), byweekday=byweekday, count=count)
    return [moment.date() for moment in rule]


@pytest.mark.parametrize(
    "start",
    [date(2027, 1, 5), date(2027, 1, 12), date(2027, 3, 17), date(2027, 11, 25), date(2028, 2, 1), date(2027, 6, 28)],
)
def test_monthly_on_the_same_weekday_matches_rrule(start):
    from dateutil.rrule import weekday as rr_weekday

    ordinal = (start.day - 1) // 7 + 1  # written out here: the 2nd Tuesday is day 8..14
    expected = _rrule_dates(start, byweekday=rr_weekday(start.weekday())(+ordinal), count=12)
    assert occurrence_dates(start_date=start, frequency=Frequency.MONTHLY_WEEKDAY, count=12) == expected


@pytest.mark.parametrize("start", [date(2027, 1, 29), date(2027, 2, 23), date(2027, 12, 31), date(2028, 2, 29)])
def test_monthly_on_the_last_weekday_matches_rrule(start):
    from dateutil.rrule import weekday as rr_weekday

    expected = _rrule_dates(start, byweekday=rr_weekday(start.weekday())(-1), count=12)
    assert occurrence_dates(start_date=start, frequency=Frequency.MONTHLY_LAST_WEEKDAY, count=12) == expected


def test_monthly_on_a_weekday_stops_at_until():
    dates = occurrence_dates(start_date=date(2027, 1, 5), frequency=Frequency.MONTHLY_WEEKDAY, until=date(2027, 4, 5))
    assert dates == [date(2027, 1, 5), date(2027, 2, 2), date(2027, 3, 2)]


def test_rule_is_named_with_its_weekday(db):
    from tests.events.factories import EventSeriesFactory

    first_tuesday = EventSeriesFactory.build(start_date=date(2027, 1, 5), frequency=Frequency.MONTHLY_WEEKDAY)
    last_friday = EventSeriesFactory.build(start_date=date(2027, 1, 29), frequency=Frequency.MONTHLY_LAST_WEEKDAY)
    assert first_tuesday.rule_display() == "Every month on the first Tuesday"
    assert last_friday.rule_display() == "Every month on the last Friday"


def test_series_count_beyond_twelve_months_is_refused_not_cut(db):
    """Regression: 60 weekly dates were cut silently to the 53 that fit in 12 months."""
    from events.exceptions import ScheduleError
    from events.models import EventOccurrence
    from events.services.schedule import EventDetailsInput, EventTimingInput, RecurrenceInput, series_create
    from tests.factories import ClubFactory, UserFactory

    club = ClubFactory(time_zone="Europe/Berlin")
    with pytest.raises(ScheduleError, match="60 dates do not fit in 12 months: this rule gives 53"):
        series_create(
            club=club,
            actor=UserFactory(),
            details=EventDetailsInput(title="Run", place="Gate"),
            timing=EventTimingInput(start_date=date(2027, 1, 4), start_time=time(19, 0), end_time=time(20, 0)),
            recurrence=RecurrenceInput(frequency=Frequency.WEEKLY, count=60),
            now=datetime(2026, 12, 1, tzinfo=UTC),
        )
    assert not EventOccurrence.objects.exists()


def test_series_form_refuses_a_count_beyond_twelve_months_on_the_count_field(db):
    from events.forms import SeriesForm

    form = SeriesForm(
        {
            "title": "Monthly talk",
            "place": "Library",
            "start_date": "2027-01-05",
            "start_time": "19:00",
            "end_time": "20:00",
            "rsvp_hours_before": "0",
            "frequency": Frequency.MONTHLY_WEEKDAY,
            "count": "14",
        }
    )
    assert not form.is_valid()
    assert "14 dates do not fit in 12 months: this rule gives 13" in form.errors["count"][0]


def test_series_form_refuses_a_fifth_weekday_and_a_last_weekday_that_is_not(db):
    from events.forms import SeriesForm

    base = {"title": "Talk", "place": "Library", "start_time": "19:00", "end_time": "20:00", "rsvp_hours_before": "0"}
    fifth = SeriesForm({**base, "start_date": "2027-03-30", "frequency": Frequency.MONTHLY_WEEKDAY, "count": "3"})
    assert not fifth.is_valid() and "fifth weekday" in fifth.errors["frequency"][0]
    not_last = SeriesForm(
        {**base, "start_date": "2027-03-16", "frequency": Frequency.MONTHLY_LAST_WEEKDAY, "count": "3"}
    )
    assert not not_last.is_valid() and "the last such day" in not_last.errors["frequency"][0]
