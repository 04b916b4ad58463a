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
