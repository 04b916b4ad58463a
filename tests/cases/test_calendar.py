"""Business-hours arithmetic: nights, weekends, holidays and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from atdesk.cases.calendar import (
    BusinessHours,
    CalendarError,
    week_from_json,
    week_to_json,
)

NINE_TO_FIVE = {d: [(time(9), time(17))] for d in range(5)}


def test_an_always_open_calendar_adds_wall_clock_minutes() -> None:
    start = datetime(2026, 3, 7, 23, 50, tzinfo=UTC)
    assert BusinessHours().add(start, 30) == start + timedelta(minutes=30)


def test_minutes_left_at_closing_time_carry_over_the_weekend() -> None:
    hours = BusinessHours("Europe/Madrid", NINE_TO_FIVE)
    friday_1630_local = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)  # UTC+1 in winter
    due = hours.add(friday_1630_local, 60)
    assert due == datetime(2026, 3, 9, 8, 30, tzinfo=UTC)  # Monday 09:30 Madrid


def test_a_post_at_night_starts_counting_when_the_brand_opens() -> None:
    hours = BusinessHours("UTC", NINE_TO_FIVE)
    due = hours.add(datetime(2026, 3, 3, 2, 0, tzinfo=UTC), 15)
    assert due == datetime(2026, 3, 3, 9, 15, tzinfo=UTC)


def test_holidays_stop_the_clock() -> None:
    hours = BusinessHours("UTC", NINE_TO_FIVE, frozenset({date(2026, 3, 3)}))
    due = hours.add(datetime(2026, 3, 2, 16, 0, tzinfo=UTC), 120)
    assert due == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def test_daylight_saving_moves_the_opening_hour_in_utc() -> None:
    hours = BusinessHours("America/New_York", NINE_TO_FIVE)
    # Friday 6 March 2026 17:00 EST; DST begins Sunday 8 March; Monday opens 09:00 EDT = 13:00Z.
    due = hours.add(datetime(2026, 3, 6, 22, 0, tzinfo=UTC), 30)
    assert due == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)


def test_elapsed_counts_only_open_time() -> None:
    hours = BusinessHours("UTC", NINE_TO_FIVE)
    start = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # Friday
    end = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # Monday
    assert hours.elapsed(start, end) == timedelta(hours=2)


def test_split_shifts_and_midnight_close_round_trip_through_json() -> None:
    week = week_from_json({"0": [["13:00", "24:00"], ["08:00", "12:00"]]})
    assert week[0] == [(time(8), time(12)), (time(13), time(0))]
    assert week_to_json(week) == {"0": [["08:00", "12:00"], ["13:00", "24:00"]]}
    hours = BusinessHours("UTC", week)
    assert hours.add(datetime(2026, 3, 2, 11, 0, tzinfo=UTC), 120) == datetime(
        2026, 3, 2, 14, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ({"7": [["09:00", "17:00"]]}, "weekday"),
        ({"0": [["17:00", "09:00"]]}, "ends before it starts"),
        ({"0": [["9am", "5pm"]]}, "09:30"),
    ],
)
def test_bad_calendars_say_what_to_fix(week: dict[str, list[list[str]]], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        week_from_json(week)


def test_unknown_time_zones_are_refused_with_an_example() -> None:
    with pytest.raises(CalendarError, match="IANA"):
        BusinessHours("Mars/Olympus").add(datetime(2026, 3, 2, tzinfo=UTC), 5)


def test_a_calendar_that_never_opens_fails_instead_of_looping() -> None:
    closed = BusinessHours("UTC", {0: []}, frozenset())
    assert closed.always_open  # no hours at all means 24/7
    weekends_only_holidays = BusinessHours(
        "UTC",
        {5: [(time(9), time(10))]},
        frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(3 * 366 + 7)),
    )
    with pytest.raises(CalendarError, match="no open hours"):
        weekends_only_holidays.add(datetime(2026, 1, 1, tzinfo=UTC), 5)
