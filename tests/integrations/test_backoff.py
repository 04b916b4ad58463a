"""The retry schedule: grows, is capped, is jittered within bounds, and ends in a hand-off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from atdesk.domain.retry import (
    BackoffPolicy,
    ceiling_delay,
    next_retry_delay,
    parse_retry_after,
    schedule,
)

POLICY = BackoffPolicy(base_s=10, factor=2, cap_s=100, max_attempts=6, jitter=0.5)


def test_ceiling_doubles_until_the_cap() -> None:
    assert schedule(POLICY) == [10, 20, 40, 80, 100]


def test_jitter_stays_within_half_and_full_ceiling() -> None:
    assert next_retry_delay(3, POLICY, rand=lambda: 0.0) == 20.0
    assert next_retry_delay(3, POLICY, rand=lambda: 1.0) == 40.0
    assert next_retry_delay(3, POLICY, rand=lambda: 0.5) == 30.0


def test_real_randomness_stays_in_bounds() -> None:
    for attempt in range(1, 6):
        delay = next_retry_delay(attempt, POLICY)
        assert delay is not None
        assert ceiling_delay(attempt, POLICY) / 2 <= delay <= ceiling_delay(attempt, POLICY)


def test_last_attempt_hands_off_instead_of_retrying() -> None:
    assert next_retry_delay(5, POLICY) is not None
    assert next_retry_delay(6, POLICY) is None


def test_server_retry_after_wins_when_longer() -> None:
    assert next_retry_delay(1, POLICY, retry_after_s=500, rand=lambda: 1.0) == 500.0
    assert next_retry_delay(1, POLICY, retry_after_s=1, rand=lambda: 1.0) == 10.0


def test_huge_attempt_numbers_do_not_overflow() -> None:
    policy = BackoffPolicy(max_attempts=10_000)
    assert ceiling_delay(5000, policy) == policy.cap_s


@pytest.mark.parametrize(
    "kwargs",
    [{"base_s": 0}, {"cap_s": 1, "base_s": 2}, {"factor": 0.5}, {"max_attempts": 0}, {"jitter": 2}],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"backoff|max_attempts|jitter"):
        BackoffPolicy(**kwargs)  # type: ignore[arg-type]


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after("Mon, 23 Nov 2026 12:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None


def test_retry_after_in_decimal_seconds() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_retry_after("1.5", now=now) == 1.5
    assert parse_retry_after(" 0.25 ", now=now) == 0.25
    assert parse_retry_after("2.", now=now) == 2.0
    assert parse_retry_after(".5", now=now) == 0.5
    for nonsense in ("-1", "1.5.2", "1e3", "nan", "inf", "1,5"):
        assert parse_retry_after(nonsense, now=now) is None, nonsense


def test_a_retry_after_date_without_a_zone_is_read_as_utc() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 23 Nov 2026 12:01:30 -0000", now=now) == 90.0
