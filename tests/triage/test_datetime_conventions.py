"""The two readers of time phrases differ only where their Conventions say, on the same text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from atdesk.integrations.timephrases import parse_time_phrase
from atdesk.triage.datetimes import (
    BOOKING,
    TRIAGE,
    WRITTEN_CLOCK,
    Conventions,
    day_of_month,
    month_day,
    read_clock,
    resolve_datetimes,
    unmarked_hour,
    weekday_date,
)

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # ten days after Nov 13
UTC_ZONE = ZoneInfo("UTC")


def test_the_defaults_are_triage_and_booking_names_the_other_choice() -> None:
    """Triage keeps recent past dates and 24-hour readings; booking reads ahead in office hours."""
    assert Conventions() == TRIAGE == Conventions("recent", "as_said")
    assert Conventions("upcoming", "office") == BOOKING


def test_a_date_ten_days_ago_is_kept_when_recent_and_next_year_when_upcoming() -> None:
    """ "Nov 13" written on Nov 23: an order placed then, or a visit a year ahead."""
    assert resolve_datetimes("Nov 13", MONDAY, TRIAGE) == ["2026-11-13"]
    assert resolve_datetimes("Nov 13", MONDAY, BOOKING) == ["2027-11-13"]
    assert resolve_datetimes("Nov 13", MONDAY) == ["2026-11-13"]
    assert parse_time_phrase("Nov 13", created_at=MONDAY, tz=UTC_ZONE).day == date(2027, 11, 13)


def test_a_past_date_beyond_the_recent_window_is_next_year_under_both() -> None:
    """Sixty days back is the edge of "recent"; sixty-one is next year's."""
    today = date(2026, 11, 23)
    assert month_day(today, 9, 24, TRIAGE) == date(2026, 9, 24)  # 60 days ago
    assert month_day(today, 9, 23, TRIAGE) == date(2027, 9, 23)  # 61 days ago
    assert month_day(today, 9, 24, BOOKING) == date(2027, 9, 24)
    assert month_day(today, 11, 23, BOOKING) == month_day(today, 11, 23) == today


def test_upcoming_has_no_date_where_this_year_has_none() -> None:
    """Feb 29 asked for in a common year is no date to book, though triage finds the last one."""
    today = date(2026, 11, 23)
    assert month_day(today, 2, 29, BOOKING) is None
    assert month_day(today, 2, 29, TRIAGE) is None
    assert month_day(date(2028, 3, 1), 2, 29, TRIAGE) == date(2028, 2, 29)
    assert month_day(date(2028, 3, 1), 2, 29, BOOKING) is None  # 2029 has none


def test_three_oclock_is_early_morning_as_said_and_afternoon_in_office_hours() -> None:
    """ "at 3:00" has no am/pm: triage reads the clock, booking reads a call at 15:00."""
    assert resolve_datetimes("at 3:00", MONDAY, TRIAGE) == ["2026-11-23T03:00:00+00:00"]
    assert resolve_datetimes("at 3:00", MONDAY, BOOKING) == ["2026-11-23T15:00:00+00:00"]
    assert parse_time_phrase("at 3:00", created_at=MONDAY, tz=UTC_ZONE).start == time(15)


def test_a_lone_hour_after_at_is_office_hours_under_both() -> None:
    """ "at 3" was never 3 a.m. for either reader: only readings with minutes differ."""
    for conventions in (TRIAGE, BOOKING):
        assert resolve_datetimes("at 3", MONDAY, conventions) == ["2026-11-23T15:00:00+00:00"]
    assert parse_time_phrase("at 3", created_at=MONDAY, tz=UTC_ZONE).start == time(15)


@pytest.mark.parametrize(
    ("hour", "daypart", "as_said", "office"),
    [
        (3, None, 3, 15),
        (9, None, 9, 9),
        (12, None, 12, 12),
        (3, "morning", 3, 3),
        (9, "evening", 21, 21),
        (1, "lunch", 1, 13),
        (14, None, 14, 14),
    ],
)
def test_unmarked_hours_by_convention(
    hour: int, daypart: str | None, as_said: int, office: int
) -> None:
    """A part of day moves an hour under both; only office hours move a lone 1-7."""
    assert unmarked_hour(hour, daypart, TRIAGE) == as_said
    assert unmarked_hour(hour, daypart, BOOKING) == office


def test_day_of_month_and_weekdays_are_shared_readings() -> None:
    """ "the 3rd" and "Friday" mean the same day to every reader."""
    today = date(2026, 11, 23)  # a Monday
    assert day_of_month(today, 30) == date(2026, 11, 30)
    assert day_of_month(today, 3) == date(2026, 12, 3)
    assert day_of_month(date(2026, 1, 31), 30) is None  # February has no 30th
    assert day_of_month(today, 0) is None
    assert weekday_date(today, 0) == today
    assert weekday_date(today, 0, "next") == date(2026, 11, 30)
    assert weekday_date(today, 0, "last") == date(2026, 11, 16)
    assert weekday_date(today, 4, "next") == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "as_said", "office"),
    [
        ("3:00", time(3), time(15)),
        ("14:30", time(14, 30), time(14, 30)),
        ("3pm", time(15), time(15)),
        ("12 a.m.", time(0), time(0)),
        ("13pm", None, None),
    ],
)
def test_read_clock_on_a_written_clock(
    text: str, as_said: time | None, office: time | None
) -> None:
    """One clock reader for requests and replies: am/pm decides, else the conventions do."""
    match = WRITTEN_CLOCK.search(text)
    assert match is not None
    prefix = "f" if match.group("fh") else "g"
    assert read_clock(match, prefix, None, TRIAGE) == as_said
    assert read_clock(match, prefix, None, BOOKING) == office
