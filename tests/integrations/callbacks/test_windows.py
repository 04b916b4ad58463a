"""Callback windows from customers' own words, in the brand's timezone, stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from atdesk.integrations.callbacks import (
    BusinessHours,
    next_business_window,
    resolve_callback_window,
)

NEW_YORK = ZoneInfo("America/New_York")
# Monday 23 November 2026, 10:30 in New York.
MONDAY_MORNING = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)


def _local(text: str, created_at: datetime = MONDAY_MORNING) -> str | None:
    window = resolve_callback_window(text, created_at=created_at, tz=NEW_YORK)
    return window.describe(NEW_YORK) if window else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me tomorrow after 5", "Tue 24 Nov 17:00–20:00"),
        ("please call this afternoon", "Mon 23 Nov 12:00–17:00"),
        ("tomorrow morning pls", "Tue 24 Nov 09:00–12:00"),
        ("can someone ring me tonight", "Mon 23 Nov 17:00–20:00"),
        ("any time Friday is fine", "Fri 27 Nov 09:00–17:00"),
        ("call me at 3pm", "Mon 23 Nov 15:00–15:30"),
        ("between 2 and 4", "Mon 23 Nov 14:00–16:00"),
        ("between 9am and 11am tomorrow", "Tue 24 Nov 09:00–11:00"),
        ("thursday 2-4pm works", "Thu 26 Nov 14:00–16:00"),
        ("from 11 to 1", "Mon 23 Nov 11:00–13:00"),
        ("call me at 5:30", "Mon 23 Nov 17:30–18:00"),
        ("after 8 tonight", "Mon 23 Nov 20:00–21:00"),
        ("before noon", "Mon 23 Nov 10:30–12:00"),
        ("by 3 tomorrow", "Tue 24 Nov 09:00–15:00"),
        ("on the 27th", "Fri 27 Nov 09:00–17:00"),
        ("Nov 30 in the afternoon", "Mon 30 Nov 12:00–17:00"),
        ("on 1 Dec", "Tue 1 Dec 09:00–17:00"),
        ("friday at 10", "Fri 27 Nov 10:00–10:30"),
        ("next friday", "Fri 27 Nov 09:00–17:00"),
        ("next week", "Mon 30 Nov 09:00–17:00"),
        ("day after tomorrow in the evening", "Wed 25 Nov 17:00–20:00"),
        ("lunch time tomorrow", "Tue 24 Nov 12:00–14:00"),
        ("around 4", "Mon 23 Nov 16:00–16:30"),
        ("call me 7pm", "Mon 23 Nov 19:00–19:30"),
        ("at 9 in the morning", "Tue 24 Nov 09:00–09:30"),
        ("before end of day", "Mon 23 Nov 16:00–17:00"),
        ("asap please", "Mon 23 Nov 10:30–11:30"),
        ("call me in 2 hours", "Mon 23 Nov 12:30–13:00"),
        ("in half an hour", "Mon 23 Nov 11:00–11:30"),
        ("call me on sat", "Sat 28 Nov 09:00–17:00"),
        ("tmrw after 6pm", "Tue 24 Nov 18:00–20:00"),
    ],
)
def test_phrasings(text: str, expected: str) -> None:
    assert _local(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "@BofA I have a question about my latest statement, please call me",
        "I sat on hold for 2 hours, call me",
        "last night the app crashed, call me",
        "my bill is $45 and order #12 is late, call me",
        "c'mon, just call me",
    ],
)
def test_no_time_means_the_next_business_window(text: str) -> None:
    window = resolve_callback_window(text, created_at=MONDAY_MORNING, tz=NEW_YORK)
    assert window is not None
    assert window.requested is False
    assert window.describe(NEW_YORK) == "Mon 23 Nov 10:30–17:00"


def test_window_is_stored_in_utc() -> None:
    window = resolve_callback_window("tomorrow after 5", created_at=MONDAY_MORNING, tz=NEW_YORK)
    assert window is not None
    assert window.start == datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    assert window.end == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert window.requested is True
    assert window.phrase == "tomorrow, after 5"


def test_a_time_today_that_has_passed_is_not_honoured() -> None:
    afternoon = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # 15:00 in New York
    assert _local("please call this morning", afternoon) is None
    assert _local("call me today before 10", afternoon) is None


def test_a_bare_time_that_has_passed_means_tomorrow() -> None:
    afternoon = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # 15:00 in New York
    assert _local("call me at 11", afternoon) == "Tue 24 Nov 11:00–11:30"
    assert _local("in the morning", afternoon) == "Tue 24 Nov 09:00–12:00"
    assert _local("this afternoon", afternoon) == "Mon 23 Nov 15:00–17:00"


def test_this_friday_on_a_friday_is_today_and_next_friday_is_a_week_on() -> None:
    friday = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 09:00 Friday in New York
    assert _local("this Friday anytime", friday) == "Fri 27 Nov 09:00–17:00"
    assert _local("next friday", friday) == "Fri 4 Dec 09:00–17:00"


def test_next_business_window_skips_evenings_and_weekends() -> None:
    friday_evening = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # 18:00 Friday in New York
    window = next_business_window(friday_evening, tz=NEW_YORK)
    assert window.describe(NEW_YORK) == "Mon 30 Nov 09:00–17:00"
    early = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 07:00 Tuesday
    assert next_business_window(early, tz=NEW_YORK).describe(NEW_YORK) == "Tue 24 Nov 09:00–17:00"


def test_asap_outside_hours_waits_for_opening() -> None:
    saturday = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    assert _local("call me asap", saturday) == "Mon 30 Nov 09:00–10:00"


def test_brand_hours_change_the_default_and_the_evening() -> None:
    hours = BusinessHours(
        opens=time(8), closes=time(18), evening_until=time(21), days=frozenset({0, 1, 2, 3, 4, 5})
    )
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # 07:00 Saturday
    default = resolve_callback_window("call me", created_at=saturday, tz=NEW_YORK, hours=hours)
    evening = resolve_callback_window("tonight", created_at=saturday, tz=NEW_YORK, hours=hours)
    assert default is not None
    assert evening is not None
    assert default.describe(NEW_YORK) == "Sat 28 Nov 08:00–18:00"
    assert evening.describe(NEW_YORK) == "Sat 28 Nov 18:00–21:00"


def test_dst_is_applied_per_day() -> None:
    london = ZoneInfo("Europe/London")
    before_change = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)  # Friday; clocks go forward Sunday
    window = resolve_callback_window("monday at 9am", created_at=before_change, tz=london)
    assert window is not None
    assert window.start == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_start_is_rounded_to_five_minutes() -> None:
    odd = datetime(2026, 11, 23, 15, 33, 20, tzinfo=UTC)
    assert _local("this afternoon", odd) == "Mon 23 Nov 12:00–17:00"
    assert _local("call me", odd) == "Mon 23 Nov 10:35–17:00"


def test_naive_created_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        resolve_callback_window("call me", created_at=datetime(2026, 11, 23), tz=NEW_YORK)  # noqa: DTZ001


def test_bad_business_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="opens < closes"):
        BusinessHours(opens=time(18), closes=time(9))
    with pytest.raises(ValueError, match="weekday"):
        BusinessHours(days=frozenset({7}))
