"""The detector on small hand-made streams: a planted burst is found soon after its first
post with the right numbers; a steady stream with its daily shape raises nothing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from atdesk.insights.spikes.baseline import build_baseline, hour_of_day_rates
from atdesk.insights.spikes.detect import CHUNK, Series, Thresholds, find_bursts
from atdesk.insights.spikes.severity import Severity, grade
from tests.insights.spike_streams import background, burst

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday; the streams are dated from it


def _series(posts: list[tuple[datetime, bool, str]]) -> Series:
    return Series.of([(at, negative) for at, negative, _ in posts])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_planted_burst_is_found_within_15_minutes_with_its_size(seed: int) -> None:
    rng = random.Random(seed)
    steady = background(rng, start=START, days=6, per_hour=5)
    planted_at = START + timedelta(days=5, hours=14, minutes=7)
    planted = burst(rng, start=planted_at, posts=150)
    found = find_bursts(
        _series(steady + planted),
        since=START + timedelta(days=5),
        until=START + timedelta(days=6),
        history_start=START,
        thresholds=Thresholds(),
        series_count=1,
    )
    assert len(found) == 1
    spike = found[0]
    assert spike.kind == "volume"
    assert timedelta(0) < spike.detected_at - planted_at <= timedelta(minutes=15)
    assert abs(spike.start - planted_at) <= timedelta(minutes=10)
    assert planted_at + timedelta(minutes=100) <= spike.end <= planted_at + timedelta(hours=3)
    assert 145 <= spike.posts <= 175
    assert 1 <= spike.baseline_per_hour <= 10
    assert spike.peak_per_hour >= 40
    assert spike.severity is Severity.CRITICAL
    assert not spike.ongoing


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_five_steady_days_raise_no_alarm(seed: int) -> None:
    rng = random.Random(seed)
    steady = background(rng, start=START, days=7, per_hour=8)
    found = find_bursts(
        _series(steady),
        since=START + timedelta(days=2),
        until=START + timedelta(days=7),
        history_start=START,
        thresholds=Thresholds(),
        series_count=4,
    )
    assert found == []


def test_a_burst_still_going_is_open_and_the_count_so_far() -> None:
    rng = random.Random(7)
    planted_at = START + timedelta(days=4, hours=10)
    posts = background(rng, start=START, days=4.5, per_hour=4) + burst(
        rng, start=planted_at, posts=120
    )
    now = planted_at + timedelta(minutes=30)
    found = find_bursts(
        _series([p for p in posts if p[0] < now]),
        since=now - timedelta(hours=6),
        until=now,
        history_start=START,
        thresholds=Thresholds(),
    )
    assert [b.ongoing for b in found] == [True]
    assert found[0].end <= now
    assert 20 <= found[0].posts <= 45


def test_a_new_brand_without_a_day_of_history_is_not_judged() -> None:
    rng = random.Random(8)
    planted_at = START + timedelta(hours=10)
    posts = background(rng, start=START, days=0.9, per_hour=4) + burst(
        rng, start=planted_at, posts=120
    )
    found = find_bursts(
        _series(posts),
        since=START,
        until=START + timedelta(days=1),
        history_start=START,
        thresholds=Thresholds(),
    )
    assert found == []


def test_min_posts_keeps_a_small_rise_quiet_that_a_lower_setting_reports() -> None:
    rng = random.Random(9)
    planted_at = START + timedelta(days=3, hours=9)
    posts = background(rng, start=START, days=3.5, per_hour=1) + burst(
        rng, start=planted_at, posts=12, minutes=20
    )
    window = {"since": START + timedelta(days=3), "until": START + timedelta(days=3.5)}
    strict = find_bursts(
        _series(posts), history_start=START, thresholds=Thresholds(min_posts=20), **window
    )
    eager = find_bursts(
        _series(posts), history_start=START, thresholds=Thresholds(min_posts=6), **window
    )
    assert strict == []
    assert len(eager) == 1


def test_a_turn_to_negative_at_normal_volume_is_a_negative_share_spike() -> None:
    rng = random.Random(10)
    turn = START + timedelta(days=4, hours=9)
    calm = background(rng, start=START, days=4.5, per_hour=30, negative=0.1)
    posts = [(at, (at >= turn and at < turn + timedelta(hours=2)) or neg, t) for at, neg, t in calm]
    found = find_bursts(
        _series(posts),
        since=START + timedelta(days=4),
        until=START + timedelta(days=4.5),
        history_start=START,
        thresholds=Thresholds(),
    )
    assert [b.kind for b in found] == ["negative_share"]
    assert found[0].negative_share > 0.7
    assert found[0].severity.rank >= Severity.MEDIUM.rank
    assert found[0].baseline_negative_share < 0.2
    assert turn <= found[0].detected_at <= turn + timedelta(minutes=30)


def test_the_baseline_follows_the_hour_of_day_and_ignores_one_busy_day() -> None:
    days = [[2.0] * 6 + [10.0] * 18 for _ in range(5)]
    days[2] = [200.0] * 24  # a past spike day
    rates = hour_of_day_rates(__import__("numpy").array(days))
    assert 1.5 < rates[3] < 4.0
    assert 8.0 < rates[12] < 11.0


def test_the_baseline_waits_for_a_day_of_history() -> None:
    import numpy as np

    counts = np.zeros(3 * 1440, dtype=np.int64)
    counts[::30] = 1
    baseline = build_baseline(counts, np.zeros_like(counts), first_day=0)
    assert not baseline.judged[:1440].any()
    assert baseline.judged[1440:].all()
    assert baseline.per_minute[2000] == pytest.approx(2 / 60, rel=0.2)


def test_severity_grades_by_size_height_and_surprise() -> None:
    assert grade(excess=150, ratio=20, p_value=1e-40) is Severity.CRITICAL
    assert grade(excess=150, ratio=4, p_value=1e-40) is Severity.MEDIUM
    assert grade(excess=60, ratio=6, p_value=1e-13) is Severity.HIGH
    assert grade(excess=8, ratio=30, p_value=1e-9) is Severity.LOW


def test_a_burst_across_the_edge_of_a_two_week_piece_is_one_burst() -> None:
    rng = random.Random(11)
    since = START + timedelta(days=1)
    planted_at = since + CHUNK - timedelta(minutes=40)
    posts = background(rng, start=START, days=17, per_hour=4) + burst(
        rng, start=planted_at, posts=150
    )
    found = find_bursts(
        _series(posts),
        since=since,
        until=START + timedelta(days=17),
        history_start=START,
        thresholds=Thresholds(),
    )
    assert len(found) == 1
    assert abs(found[0].start - planted_at) <= timedelta(minutes=10)
    assert found[0].posts >= 150


def test_years_of_stray_posts_before_the_history_cost_nothing_and_find_nothing() -> None:
    rng = random.Random(12)
    stray = [(START - timedelta(days=400 * k), False, "hi") for k in range(1, 5)]
    posts = stray + background(rng, start=START, days=3, per_hour=4)
    found = find_bursts(
        _series(posts),
        since=START - timedelta(days=1700),
        until=START + timedelta(days=3),
        history_start=START,
        thresholds=Thresholds(),
    )
    assert found == []
