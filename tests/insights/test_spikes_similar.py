"""Series of similar posts: a slow-starting burst of one complaint is found within 15 minutes
over a background the brand's total hides it in, while steady streams that repeat everyday
phrases raise nothing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from atdesk.config import Settings
from atdesk.insights.spikes.detect import Burst, Series, Thresholds, find_bursts
from atdesk.insights.spikes.queries import SeriesKey
from atdesk.insights.spikes.severity import Severity
from atdesk.insights.spikes.similar import similar_bursts, similar_thresholds, term_series
from atdesk.insights.spikes.trends import Spike, detect_spikes, fold_terms
from atdesk.storage.session import transaction
from tests.factories import make_brand
from tests.insights.spike_streams import BURST_TEXTS, background
from tests.insights.spike_world import BURST_AT, HISTORY_START, store_stream

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
SERIES = 12  # a brand and its intents share the budget, as in the bench
JUDGED = {"history_start": START, "thresholds": Thresholds()}


def _slow_burst(rng: random.Random, at: datetime) -> list[tuple[datetime, bool, str]]:
    """100 similar complaints over two hours whose first quarter hour holds only 7."""
    first = [at, *sorted(at + timedelta(minutes=rng.uniform(0.5, 14)) for _ in range(6))]
    rest = [at + timedelta(minutes=rng.uniform(15, 120)) for _ in range(93)]
    return [(t, True, rng.choice(BURST_TEXTS)) for t in first + rest]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_slow_starting_burst_over_10_an_hour_is_found_within_15_minutes(seed: int) -> None:
    rng = random.Random(seed)
    planted_at = START + timedelta(days=5, hours=15, minutes=3)  # a busy afternoon hour
    posts = background(rng, start=START, days=6, per_hour=10) + _slow_burst(rng, planted_at)
    since, until = START + timedelta(days=5), START + timedelta(days=6)
    brand = find_bursts(
        Series.of([(at, neg) for at, neg, _ in posts]),
        since=since,
        until=until,
        series_count=SERIES,
        **JUDGED,  # type: ignore[arg-type]
    )
    # the brand's total alone sees it, but only after the quarter hour
    assert [b.kind for b in brand] == ["volume"]
    assert brand[0].detected_at - planted_at > timedelta(minutes=15)

    similar = similar_bursts(posts, since=since, until=until, other_series=SERIES, **JUDGED)  # type: ignore[arg-type]
    assert similar, "the complaint's own words must spike"
    first_term, first = min(similar, key=lambda found: found[1].detected_at)
    assert timedelta(0) < first.detected_at - planted_at <= timedelta(minutes=15)
    assert first.kind == "volume"
    assert first_term in {"update 5.2", "log in", "can't log"}
    assert abs(first.start - planted_at) <= timedelta(minutes=5)
    assert 60 <= first.posts <= 100  # the posts using the term: the burst's, no background
    assert first.baseline_per_hour < 0.5


@pytest.mark.parametrize(("seed", "per_hour"), [(4, 10.0), (5, 30.0), (6, 5.0)])
def test_steady_streams_repeating_everyday_phrases_raise_nothing(
    seed: int, per_hour: float
) -> None:
    rng = random.Random(seed)
    posts = background(rng, start=START, days=7, per_hour=per_hour)
    # a rare everyday phrase too (well under 2% of posts): it gets its own series
    moment = START
    while (moment := moment + timedelta(hours=rng.expovariate(0.1))) < START + timedelta(days=7):
        posts.append((moment, False, "are you open on sunday"))
    found = similar_bursts(
        posts,
        since=START + timedelta(days=2),
        until=START + timedelta(days=7),
        other_series=SERIES,
        **JUDGED,  # type: ignore[arg-type]
    )
    assert found == []


def test_only_rare_terms_that_can_reach_the_minimum_are_series_and_duplicates_merge() -> None:
    at = START + timedelta(days=3)
    common = [(START + timedelta(hours=h), False, "my bill is wrong") for h in range(72)]
    fresh = [(at + timedelta(minutes=m), True, "router keeps blinking") for m in range(8)]
    spread = [(at + timedelta(hours=3 * k), True, "outage in 10001") for k in range(8)]
    series = term_series(
        common + fresh + spread, since=at - timedelta(hours=1), until=at + timedelta(days=1),
        min_posts=6,
    )  # fmt: skip
    # "router", "keeps", "router keeps"... are one series named by its longest term;
    # "bill" is everyday (common before `since`), "10001" never has 6 posts in two hours
    assert list(series) == ["keeps blinking"] or list(series) == ["router keeps"]
    assert len(next(iter(series.values()))) == 8


def test_a_term_needs_a_share_of_the_brands_minimum() -> None:
    assert similar_thresholds(Thresholds()).min_posts == 6
    assert similar_thresholds(Thresholds(min_posts=30)).min_posts == 18
    assert similar_thresholds(Thresholds(min_posts=2)).min_posts == 2


def test_trends_reports_a_slow_burst_as_the_brands_spike_detected_by_its_words(
    settings: Settings,
) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
    rng = random.Random(2)
    steady = background(rng, start=HISTORY_START, days=5.5, per_hour=10)
    store_stream(settings, sorted(steady + _slow_burst(rng, BURST_AT)))
    with transaction(settings.database_url) as session:
        spikes = detect_spikes(
            session, since=BURST_AT - timedelta(days=1), until=BURST_AT + timedelta(hours=6),
            brand_ids=None,
        )  # fmt: skip
    assert len(spikes) == 1  # one burst, one spike: the term series only told it sooner
    (spike,) = spikes
    assert spike.series.kind == "brand"
    assert timedelta(0) < spike.burst.detected_at - BURST_AT <= timedelta(minutes=15)
    assert 100 <= spike.burst.posts <= 160  # the whole burst and its background, not a term
    out = spike.to_json()
    assert {"label", "terms", "brand", "start", "end", "posts", "baseline_per_hour",
            "peak_per_hour", "severity"} <= set(out)  # fmt: skip
    assert "update 5.2" in out["terms"]


def _spike(kind: str, value: str, start: int, detected: int, posts: int) -> Spike:
    at = START + timedelta(days=5)
    burst = Burst(
        kind="volume", start=at + timedelta(minutes=start), end=at + timedelta(minutes=start + 120),
        detected_at=at + timedelta(minutes=detected), ongoing=False, posts=posts, expected=5.0,
        baseline_per_hour=2.0, peak_per_hour=60.0, p_value=1e-20, negative_share=1.0,
        baseline_negative_share=0.3, severity=Severity.HIGH,
    )  # fmt: skip
    return Spike(1, "Acme", SeriesKey(kind, value), value or "Acme", [], burst)


def test_a_term_burst_lends_its_detection_to_the_brand_spike_and_stays_alone_otherwise() -> None:
    brand = _spike("brand", "", start=0, detected=14, posts=130)
    early = _spike("term", "update 5.2", start=0, detected=6, posts=100)
    same = _spike("term", "log in", start=1, detected=8, posts=75)
    later = _spike("term", "refund", start=600, detected=610, posts=9)
    echo = _spike("term", "refund please", start=601, detected=612, posts=7)
    folded = fold_terms([brand, early, same, later, echo])
    assert [s.series.key for s in folded] == ["brand", "term:refund"]
    assert folded[0].burst.detected_at == early.burst.detected_at
    assert folded[0].burst.posts == 130
