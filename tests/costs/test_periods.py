"""Periods as people type them on /costs and in the API: months, days, moments, all UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from atdesk.costs.periods import PeriodError, add_months, checked, parse_bound


def test_a_month_runs_from_its_first_instant_to_the_next_months() -> None:
    assert parse_bound("2026-12", end=False, name="since") == datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_bound("2026-12", end=True, name="until") == datetime(2027, 1, 1, tzinfo=UTC)
    assert add_months(datetime(2026, 1, 1, tzinfo=UTC), -1) == datetime(2025, 12, 1, tzinfo=UTC)


def test_a_day_is_included_whole_and_a_moment_is_taken_as_given() -> None:
    assert parse_bound("2026-11-15", end=True, name="until") == datetime(2026, 11, 16, tzinfo=UTC)
    assert parse_bound("2026-11-15T09:30", end=True, name="until") == datetime(
        2026, 11, 15, 9, 30, tzinfo=UTC
    )
    assert parse_bound("2026-11-15T09:30+02:00", end=False, name="since") == datetime(
        2026, 11, 15, 7, 30, tzinfo=UTC
    )
    assert parse_bound("  ", end=False, name="since") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "is not a month"),
        ("November", "is not a date"),
        ("1999-06-30", "out of range"),
        ("9999-12-31", "out of range"),
        ("0001-01-01T00:00+05:00", "out of range"),
    ],
)
def test_what_is_not_a_period_is_refused_with_how_to_write_it(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_bound(text, end=True, name="until")


def test_a_period_cannot_run_backwards() -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(PeriodError, match="until must be after since"):
        checked(day, day)
    checked(day, None)
