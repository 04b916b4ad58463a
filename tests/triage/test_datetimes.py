"""Date and time expressions resolve against the post's own time, as SPEC §1 says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from atdesk.triage.datetimes import resolve_datetimes

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("move my technician visit to this Friday", ["2026-11-27"]),
        ("tomorrow at 3", ["2026-11-24T15:00:00+00:00"]),
        ("can you come next week", ["2026-11-30/2026-12-06"]),
        ("call me at 3pm", ["2026-11-23T15:00:00+00:00"]),
        ("on Friday at 10am please", ["2026-11-27T10:00:00+00:00"]),
        ("reschedule to Dec 4", ["2026-12-04"]),
        ("I ordered it on Nov 3rd", ["2026-11-03"]),
        ("it was due 3 days ago", ["2026-11-20"]),
        ("call back in 2 hours", ["2026-11-23T12:00:00+00:00"]),
        ("this weekend works", ["2026-11-28/2026-11-29"]),
        ("last Thursday", ["2026-11-19"]),
        ("next Monday", ["2026-11-30"]),
        ("by 17:30", ["2026-11-23T17:30:00+00:00"]),
        ("on the 26th", ["2026-11-26"]),
        ("the 2nd", ["2026-12-02"]),
        ("order placed 2017-11-03", ["2017-11-03"]),
        ("delivery 12/25/2026", ["2026-12-25"]),
    ],
)
def test_expressions_resolve_against_created_at(text: str, expected: list[str]) -> None:
    assert resolve_datetimes(text, MONDAY) == expected


def test_this_friday_on_a_friday_is_that_same_day() -> None:
    assert resolve_datetimes("this Friday", FRIDAY) == ["2026-11-27"]


def test_bare_weekday_is_on_or_after_and_next_is_strictly_after() -> None:
    assert resolve_datetimes("Friday", FRIDAY) == ["2026-11-27"]
    assert resolve_datetimes("next Friday", FRIDAY) == ["2026-12-04"]
    assert resolve_datetimes("next Friday", MONDAY) == ["2026-11-27"]


def test_answers_keep_the_posts_time_zone() -> None:
    eastern = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert resolve_datetimes("tomorrow at 9am", eastern) == ["2026-11-24T09:00:00-05:00"]


def test_tonight_is_an_evening_window() -> None:
    assert resolve_datetimes("tonight", MONDAY) == [
        "2026-11-23T18:00:00+00:00/2026-11-23T23:59:00+00:00"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "May I ask a question",
        "I paid 3 times",
        "1/2 thanks for waiting",
        "we are 5 people",
        "my order #123456 is late",
        "@115821 thanks",
    ],
)
def test_things_that_are_not_dates_are_ignored(text: str) -> None:
    assert resolve_datetimes(text, MONDAY) == []


def test_without_created_at_the_current_time_is_used() -> None:
    today = datetime.now(UTC).date()
    assert resolve_datetimes("tomorrow", None) == [(today + timedelta(days=1)).isoformat()]


@pytest.mark.parametrize(
    "text",
    [
        "move my visit to this Friday at 3pm",
        "tonight's game, or tomorrow at 9",
        "ordered Nov 3rd, 3 days ago, due in 2 hours",
        "@115821 my order #4412 from the 26th",
        "call me back in half an hour please",
    ],
)
def test_token_gates_change_nothing(text: str) -> None:
    from atdesk.triage.datetimes import find_datetimes
    from atdesk.triage.tokens import tokens

    gated = find_datetimes(text, MONDAY, set(tokens(text)))
    assert gated == find_datetimes(text, MONDAY)
    assert gated


OPENINGS = [
    "the 2nd of May, on the 3rd, on Friday, this Monday, next weds, last thurs, coming Sunday",
    "day after tomorrow, day before yesterday, last night, tonight, tmrw, tmr, tmw, today",
    "this week, next month, last year, coming weekend, the end of the month, end of day",
    "a couple of days ago, a couple weeks ago, couple of hours ago, a few mins ago, few days ago",
    "half an hour ago, an hour ago, a day ago, one week ago, twelve months ago, 3 wks ago",
    "in 2 hours, in a few days, in half an hour, this morning, tomorrow afternoon, in the evening",
    "at 3pm, @ 9:45, @9, by 17:30, around noon, before midnight, after midday, from 9 until 5",
    "til 6, until 8 am, half past 9, quarter to 2, 20 to 3, 10 past 4 pm, noonish, midnights",
    "January 5, jan. 5th, Sept 3 2025, 4 December, 12/25/2026, 2026-11-03, 1/2/25, the 26th",
    "Mon Tues Wednesday thursday FRIDAY saturday sunday at 3, at 11 in the morning",
]


def test_expressions_start_only_where_the_opening_filter_looks() -> None:
    """Every match of the date pattern begins with @, a digit or an opening word."""
    from atdesk.triage.datetimes import _OPENING, _PATTERN_LOWER, _WORD_START

    matched = 0
    for text in OPENINGS:
        lowered = text.lower()
        for start in (m.start() for m in _WORD_START.finditer(lowered)):
            match = _PATTERN_LOWER.match(lowered, start, min(len(lowered), start + 80))
            if match is not None and match.end() > match.start():
                matched += 1
                assert _OPENING.match(lowered, start), lowered[start : start + 30]
    assert matched > 60


def test_candidates_are_what_trying_every_word_start_near_an_anchor_finds() -> None:
    """Trying only opening word starts finds what trying all of them found."""
    from atdesk.triage.datetimes import (
        _GATE_LOWER,
        _OPENING_WORDS,
        _PATTERN_LOWER,
        _WORD_START,
        _anchors,
        _candidates,
    )

    assert max(len(word) for word in _OPENING_WORDS) <= 9  # _candidates relies on it
    for text in [*OPENINGS, "x" * 30 + " at 5", "order 12345 from Dec 3rd at noonish"]:
        lowered = text.lower()
        starts: set[int] = set()
        for anchor in _anchors(lowered, _GATE_LOWER, None):
            low = max(0, anchor - 22)
            starts.update(m.start() for m in _WORD_START.finditer(lowered, low, anchor + 1))
        expected, position = [], 0
        for start in sorted(starts):
            match = _PATTERN_LOWER.match(lowered, start, min(len(lowered), start + 80))
            if start >= position and match is not None and match.end() > match.start():
                expected.append(match.span())
                position = match.end()
        assert [m.span() for m in _candidates(text)] == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2025, 3, 1, 12, 0, tzinfo=UTC), []),  # the last a year back, none ahead
        (datetime(2024, 3, 10, 12, 0, tzinfo=UTC), ["2024-02-29"]),  # within the recent past
        (datetime(2027, 12, 1, 12, 0, tzinfo=UTC), ["2028-02-29"]),  # the next year holds one
    ],
)
def test_29_february_is_the_recent_or_coming_one_or_no_date(
    now: datetime, expected: list[str]
) -> None:
    assert resolve_datetimes("order from Feb 29", now) == expected
