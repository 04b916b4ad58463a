"""Find the bursts in one series of post times: a sliding negative-binomial tail test per minute.

Every minute, the posts of the last 15, 30, 60 and 120 minutes are held against what the
series' own baseline expects for those minutes (baseline.py). A minute is *flagged* when one
window is both improbable (tail probability under the family-wise level split over every
series and every window tested in a day: a Bonferroni correction), large (at least
`min_posts`) and a real multiple of the norm (`min_ratio`). A burst opens at its first flagged
minute and lasts while the last half hour stays clearly above the norm. The negative share of the
last hour is tested the same way against the preceding days' share (a binomial tail), so a
turn in mood at normal volume is seen too. ADR 0086 has the reasons and the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from scipy import stats

from atdesk.insights.spikes.baseline import (
    BASELINE_DAYS,
    MINUTES_PER_DAY,
    Baseline,
    BoolArray,
    FloatArray,
    IntArray,
    build_baseline,
)
from atdesk.insights.spikes.severity import Severity, grade

WINDOWS_MIN = (15, 30, 60, 120)
# Every test made in a day (each window length at every minute): Bonferroni over all of them,
# since overlapping windows and an estimated norm make fewer "independent" tests too few.
TESTS_PER_DAY = MINUTES_PER_DAY * len(WINDOWS_MIN)
HOUR = 60
# While a burst lasts: the last half hour at least this multiple of the norm and improbable
# at this uncorrected level (a burst is easier to keep open than to open).
KEEP_WINDOW = 30
KEEP_RATIO = 2.0
KEEP_P = 0.001
# The burst's end: the last minute whose quarter hour is this multiple of the norm and
# improbable at KEEP_P.
HOT_RATIO = 3.0
SENSITIVITY_ALPHA = {"low": 0.001, "normal": 0.01, "high": 0.05}
MIN_SHARE_RISE = 0.2


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A brand's sensitivity: the smallest burst worth an alert and the false-alarm rate."""

    min_posts: int = 10
    min_ratio: float = 3.0
    sensitivity: str = "normal"  # family-wise false alarms per day: low 0.1%, normal 1%, high 5%

    @property
    def alpha(self) -> float:
        """The family-wise level per day for this sensitivity."""
        return SENSITIVITY_ALPHA[self.sensitivity]


@dataclass(frozen=True, slots=True)
class Series:
    """One series' posts: created_at as epoch seconds (sorted) and whether each was negative."""

    times: IntArray
    negative: BoolArray

    @classmethod
    def of(cls, posts: Sequence[tuple[datetime, bool]]) -> Series:
        """From (created_at, negative) pairs in any order."""
        ordered = sorted(posts, key=lambda p: p[0])
        return cls(
            np.array([int(p[0].timestamp()) for p in ordered], dtype=np.int64),
            np.array([bool(p[1]) for p in ordered], dtype=np.bool_),
        )


@dataclass(frozen=True, slots=True)
class Burst:
    """One detected spike of a series, in the terms the alerts and `atdesk trends` report."""

    kind: str  # "volume" or "negative_share"
    start: datetime
    end: datetime
    detected_at: datetime
    ongoing: bool
    posts: int
    expected: float
    baseline_per_hour: float
    peak_per_hour: float
    p_value: float
    negative_share: float
    baseline_negative_share: float
    severity: Severity


@dataclass(frozen=True, slots=True)
class _Grid:
    origin: int  # epoch seconds of the first minute
    counts: IntArray
    negatives: IntArray
    first_eval: int
    last_eval: int  # inclusive minute indexes judged

    def minute_end(self, index: int) -> datetime:
        return datetime.fromtimestamp(self.origin + (index + 1) * 60, UTC)


def _midnight(moment: datetime) -> int:
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(day.timestamp())


def _grid(series: Series, since: datetime, until: datetime) -> _Grid:
    origin = _midnight(since - timedelta(days=BASELINE_DAYS))
    end_day = _midnight(until) + 86400
    minutes = (end_day - origin) // 60
    inside = (series.times >= origin) & (series.times < end_day)
    index = (series.times[inside] - origin) // 60
    counts = np.bincount(index, minlength=minutes).astype(np.int64)
    negatives = np.bincount(
        index, weights=series.negative[inside].astype(np.float64), minlength=minutes
    ).astype(np.int64)
    first_eval = max(int(since.timestamp()) - origin, 0) // 60
    last_eval = (int(until.timestamp()) - origin) // 60 - 1
    return _Grid(origin, counts, negatives, first_eval, last_eval)


def _window_sums(values: FloatArray | IntArray, width: int) -> FloatArray:
    """Sum of the `width` minutes ending at each minute (fewer at the very start)."""
    total = np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))
    ends = np.arange(1, len(values) + 1)
    return total[ends] - total[np.maximum(ends - width, 0)]


def tail_probability(
    observed: FloatArray, expected: FloatArray, inv_size: FloatArray
) -> FloatArray:
    """P(X >= observed) under a negative binomial of this mean and 1/r (Poisson where 1/r = 0)."""
    expected = np.maximum(expected, 1e-9)
    poisson = stats.poisson.sf(observed - 1, expected)
    size = 1.0 / np.maximum(inv_size, 1e-9)
    negbin = stats.nbinom.sf(observed - 1, size, size / (size + expected))
    return np.asarray(np.where(inv_size > 1e-6, negbin, poisson), dtype=np.float64)


CHUNK = timedelta(days=14)


def find_bursts(
    series: Series,
    *,
    since: datetime,
    until: datetime,
    history_start: datetime,
    thresholds: Thresholds,
    series_count: int = 1,
) -> list[Burst]:
    """Every burst of `series` whose detection falls in (since, until]; `history_start` is when
    the source's data begins, `series_count` how many series share the false-alarm budget.

    Long periods are judged in two-week pieces, skipping pieces with too few posts to spike
    (a replayed history may start with years of stray posts); a burst cut by a piece's edge
    is judged again across it."""
    found: list[Burst] = []
    low = since
    while low < until:
        high = min(low + CHUNK, until)
        inside = np.count_nonzero(
            (series.times > int(low.timestamp()) - 2 * 3600)
            & (series.times <= int(high.timestamp()))
        )
        if inside >= thresholds.min_posts:
            for burst in _find_in(series, low, high, history_start, thresholds, series_count):
                previous = found[-1] if found else None
                if (
                    previous is not None
                    and previous.kind == burst.kind
                    and previous.ongoing
                    and burst.start <= low + timedelta(minutes=1)
                ):
                    found.pop()
                    burst = _rejudged(
                        series, previous, burst, history_start, thresholds, series_count
                    )
                found.append(burst)
        low = high
    return found


def _rejudged(
    series: Series,
    first: Burst,
    second: Burst,
    history_start: datetime,
    thresholds: Thresholds,
    series_count: int,
) -> Burst:
    """One burst in place of the two halves a piece's edge cut it into."""
    again = _find_in(
        series,
        first.detected_at - timedelta(minutes=1),
        second.end + timedelta(minutes=1) if second.ongoing else second.end + timedelta(hours=2),
        history_start,
        thresholds,
        series_count,
    )
    same = [b for b in again if b.kind == first.kind]
    return same[0] if same else first


def _find_in(
    series: Series,
    since: datetime,
    until: datetime,
    history_start: datetime,
    thresholds: Thresholds,
    series_count: int,
) -> list[Burst]:
    """The bursts of one piece (short enough to hold as per-minute arrays)."""
    if until <= since or len(series.times) < thresholds.min_posts:
        return []
    grid = _grid(series, since, until)
    # a partly covered first day is no norm: history counts from the first whole day
    first_day = max(-(-(int(history_start.timestamp()) - grid.origin) // 86400), 0)
    baseline = build_baseline(grid.counts, grid.negatives, first_day=first_day)
    alpha = thresholds.alpha / (TESTS_PER_DAY * max(series_count, 1))
    bursts = _volume_bursts(grid, baseline, thresholds, alpha)
    for burst in _share_bursts(grid, baseline, thresholds, alpha):
        if not any(b.start <= burst.end and burst.start <= b.end for b in bursts):
            bursts.append(burst)
    return sorted(bursts, key=lambda b: b.start)


def _volume_bursts(
    grid: _Grid, baseline: Baseline, thresholds: Thresholds, alpha: float
) -> list[Burst]:
    expected_min: FloatArray = baseline.per_minute
    inv_size: FloatArray = baseline.inv_size
    judged: BoolArray = baseline.judged
    share0: FloatArray = baseline.negative_share
    flagged = np.zeros(len(grid.counts), dtype=np.bool_)
    best_p = np.ones(len(grid.counts))
    for width in WINDOWS_MIN:
        observed = _window_sums(grid.counts, width)
        expected = _window_sums(expected_min, width)
        p = tail_probability(observed, expected, inv_size)
        hit = (
            (p < alpha)
            & (observed >= thresholds.min_posts)
            & (observed >= thresholds.min_ratio * expected)
        )
        flagged |= hit
        best_p = np.where(hit, np.minimum(best_p, p), best_p)
    flagged &= judged
    keep_obs = _window_sums(grid.counts, KEEP_WINDOW)
    keep_exp = _window_sums(expected_min, KEEP_WINDOW)
    keep = (keep_obs >= KEEP_RATIO * keep_exp) & (
        tail_probability(keep_obs, keep_exp, inv_size) < KEEP_P
    )
    quarter_obs = _window_sums(grid.counts, 15)
    quarter_exp = _window_sums(expected_min, 15)
    hot = (quarter_obs >= HOT_RATIO * quarter_exp) & (
        tail_probability(quarter_obs, quarter_exp, inv_size) < KEEP_P
    )
    half_rate = _window_sums(grid.counts, 30) * 2.0
    out: list[tuple[int, int, int, int, bool]] = []
    for first, stop, ongoing in _episodes(flagged, keep, grid):
        onset = _onset(grid, expected_min, inv_size, first)
        start_idx = _first_post_minute(grid.counts, onset, first)
        hot_idx = np.flatnonzero(hot[first:stop])
        last_idx = first + int(hot_idx[-1]) if len(hot_idx) else first
        end_idx = _last_post_minute(grid.counts, start_idx, last_idx)
        if out and out[-1][0] <= start_idx <= out[-1][1] + KEEP_WINDOW:
            start_idx, first = out[-1][0], out[-1][2]  # the same burst, seen again
            end_idx = max(end_idx, out.pop()[1])
        out.append((start_idx, end_idx, first, stop, ongoing))
    bursts = []
    for start_idx, end_idx, first, stop, ongoing in out:
        bursts.append(
            _burst(
                grid,
                kind="volume",
                start_idx=start_idx,
                end_idx=end_idx,
                detected_idx=first,
                ongoing=ongoing,
                expected_min=expected_min,
                peak=float(half_rate[first:stop].max()),
                p_value=float(best_p[first:stop].min()),
                share0=float(share0[first]),
            )
        )
    return bursts


def _share_bursts(
    grid: _Grid, baseline: Baseline, thresholds: Thresholds, alpha: float
) -> list[Burst]:
    expected_min: FloatArray = baseline.per_minute
    judged: BoolArray = baseline.judged
    share0: FloatArray = baseline.negative_share
    total = _window_sums(grid.counts, HOUR)
    negative = _window_sums(grid.negatives, HOUR)
    share = np.divide(negative, total, out=np.zeros_like(total), where=total > 0)
    p = np.asarray(stats.binom.sf(negative - 1, total.astype(np.int64), share0), dtype=np.float64)
    rise = share >= np.maximum(2.0 * share0, share0 + MIN_SHARE_RISE)
    flagged = judged & (p < alpha) & (negative >= thresholds.min_posts) & rise
    keep = (p < KEEP_P) & (share >= share0 + MIN_SHARE_RISE / 2)
    out: list[Burst] = []
    for first, stop, ongoing in _episodes(flagged, keep, grid):
        start_idx = _first_post_minute(grid.negatives, first - HOUR + 1, first)
        end_idx = _last_post_minute(grid.negatives, start_idx, stop - 1)
        out.append(
            _burst(
                grid,
                kind="negative_share",
                start_idx=start_idx,
                end_idx=end_idx,
                detected_idx=first,
                ongoing=ongoing,
                expected_min=expected_min,
                peak=float(total[first:stop].max()),
                p_value=float(p[first:stop][flagged[first:stop]].min()),
                share0=float(share0[first]),
            )
        )
    return out


def _episodes(flagged: BoolArray, keep: BoolArray, grid: _Grid) -> list[tuple[int, int, bool]]:
    """(first flagged minute, first minute after it ends, still going at the last minute)."""
    episodes: list[tuple[int, int, bool]] = []
    position = grid.first_eval
    last = grid.last_eval
    while position <= last:
        hits = np.flatnonzero(flagged[position : last + 1])
        if not len(hits):
            break
        first = position + int(hits[0])
        calm = np.flatnonzero(~(keep[first + 1 : last + 1] | flagged[first + 1 : last + 1]))
        stop = first + 1 + int(calm[0]) if len(calm) else last + 1
        episodes.append((first, stop, not len(calm)))
        position = stop
    return episodes


def _onset(grid: _Grid, expected_min: FloatArray, inv_size: FloatArray, minute: int) -> int:
    """Where the burst began: of the last two hours before `minute`, the start of the stretch
    whose posts are least probable under the norm (a scan statistic), so background posts
    just before a burst are not counted in it."""
    low = max(minute - WINDOWS_MIN[-1] + 1, 0)
    observed = np.cumsum(grid.counts[low : minute + 1][::-1].astype(np.float64))[::-1]
    expected = np.cumsum(expected_min[low : minute + 1][::-1])[::-1]
    p = tail_probability(observed, expected, np.full(len(observed), inv_size[minute]))
    return low + int(np.argmin(p))


def _first_post_minute(counts: IntArray, low: int, high: int) -> int:
    nonzero = np.flatnonzero(counts[max(low, 0) : high + 1])
    return max(low, 0) + int(nonzero[0]) if len(nonzero) else high


def _last_post_minute(counts: IntArray, low: int, high: int) -> int:
    nonzero = np.flatnonzero(counts[low : high + 1])
    return low + int(nonzero[-1]) if len(nonzero) else high


def _burst(
    grid: _Grid,
    *,
    kind: str,
    start_idx: int,
    end_idx: int,
    detected_idx: int,
    ongoing: bool,
    expected_min: FloatArray,
    peak: float,
    p_value: float,
    share0: float,
) -> Burst:
    posts = int(grid.counts[start_idx : end_idx + 1].sum())
    negatives = int(grid.negatives[start_idx : end_idx + 1].sum())
    expected = float(expected_min[start_idx : end_idx + 1].sum())
    minutes = end_idx - start_idx + 1
    baseline_per_hour = expected / minutes * 60.0
    if kind == "negative_share":  # graded on the negative posts beyond the usual share
        share = negatives / posts if posts else 0.0
        severity = grade(
            excess=negatives - share0 * posts,
            ratio=share / max(share0, 1e-9),
            p_value=p_value,
        )
    else:
        severity = grade(
            excess=posts - expected, ratio=peak / max(baseline_per_hour, 1e-9), p_value=p_value
        )
    return Burst(
        kind=kind,
        start=datetime.fromtimestamp(grid.origin + start_idx * 60, UTC),
        end=grid.minute_end(end_idx),
        detected_at=grid.minute_end(detected_idx),
        ongoing=ongoing,
        posts=posts,
        expected=expected,
        baseline_per_hour=baseline_per_hour,
        peak_per_hour=max(peak, 0.0),
        p_value=p_value,
        negative_share=negatives / posts if posts else 0.0,
        baseline_negative_share=share0,
        severity=severity,
    )
