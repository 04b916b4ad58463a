"""The shared time-phrase reader: days, dates and hours without false alarms."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from atdesk.integrations.timephrases import parse_time_phrase

UTC_ZONE = ZoneInfo("UTC")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _parse(text: str):  # type: ignore[no-untyped-def]
    return parse_time_phrase(text, created_at=MONDAY, tz=UTC_ZONE)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("this Friday", date(2026, 11, 27)),
        ("on Monday", date(2026, 11, 23)),
        ("next monday", date(2026, 11, 30)),
        ("the 3rd", date(2026, 12, 3)),
        ("Jan 5th", date(2027, 1, 5)),
        ("5 January", date(2027, 1, 5)),
        ("December 1", date(2026, 12, 1)),
        ("tomorrow", date(2026, 11, 24)),
        ("day after tomorrow", date(2026, 11, 25)),
        ("next week", date(2026, 11, 30)),
    ],
)
def test_days(text: str, day: date) -> None:
    assert _parse(text).day == day


@pytest.mark.parametrize(
    "text",
    [
        "you may call me",
        "I sat on hold",
        "the sun is out",
        "we wed in June",
        "my bill is $45",
        "order #12 arrived",
        "I've been a customer for 12 years",
        "c'mon",
    ],
)
def test_ordinary_words_are_not_times(text: str) -> None:
    assert _parse(text).empty


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("after 5", time(17), None),
        ("after 5:30pm", time(17, 30), None),
        ("before 10am", None, time(10)),
        ("between noon and 2", time(12), time(14)),
        ("9.30am-11am", time(9, 30), time(11)),
        ("from 10 to 12", time(10), time(12)),
    ],
)
def test_hours(text: str, start: time | None, end: time | None) -> None:
    phrase = _parse(text)
    assert (phrase.start, phrase.end) == (start, end)


def test_part_of_day_changes_bare_hours() -> None:
    assert _parse("at 8 tonight").start == time(20)
    assert _parse("at 8 in the morning").start == time(8)
    assert _parse("at 3 in the afternoon").start == time(15)


def test_mentions_are_ignored() -> None:
    assert _parse("@Friday_Support help").empty
