"""A series' expected rate for every minute, from its own preceding days by hour of day.

Pure numpy over per-minute counts (ADR 0086). For each day the expected posts per hour at
hour h are the mean of the same hour over the preceding `days` days, without the busiest of
them when there are three or more (one past spike never becomes the norm), shrunk towards that
period's mean hour so an hour that happened to be empty is not expected to stay empty. The
spread of those days around the expectation gives the negative-binomial dispersion the test
uses: real streams vary more from day to day than a Poisson process would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MINUTES_PER_DAY = 1440
BASELINE_DAYS = 7
# Days of history a day needs before it is judged at all (a new series has no norm yet).
MIN_HISTORY_DAYS = 1
# Pseudo-days of the period's mean hour mixed into each hour-of-day estimate.
SHRINK_DAYS = 0.5
# Expected posts per hour never fall below this: a series that was silent can still spike,
# but its few first posts are never "infinitely" surprising.
FLOOR_PER_HOUR = 0.1
MAX_INV_SIZE = 2.0
# How many hours' worth of days one smoothed hourly rate rests on (weights 1/4, 1/2, 1/4).
SMOOTH_GAIN = 1.0 / (0.25**2 + 0.5**2 + 0.25**2)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Baseline:
    """Per minute of the grid: expected posts, the day's dispersion, and whether it is judged."""

    per_minute: FloatArray  # expected posts in each minute
    inv_size: FloatArray  # negative-binomial 1/r per minute (0 = Poisson)
    judged: BoolArray  # the minute's day has enough history
    negative_share: FloatArray  # the preceding days' negative share, per minute


def hourly(minute_counts: IntArray | FloatArray) -> FloatArray:
    """Per-minute counts of whole days as a (days, 24) matrix of hourly counts."""
    days = len(minute_counts) // MINUTES_PER_DAY
    matrix = np.asarray(minute_counts[: days * MINUTES_PER_DAY], dtype=np.float64)
    return np.asarray(matrix.reshape(days, 24, 60).sum(axis=2), dtype=np.float64)


def hour_of_day_rates(prior: FloatArray) -> FloatArray:
    """Expected posts per hour for each hour of day from the preceding days' (n, 24) counts."""
    n = prior.shape[0]
    if n >= 3:  # robust: each hour's busiest day counts as its second busiest (winsorized)
        ordered = np.sort(prior, axis=0)
        clipped = np.minimum(prior, ordered[-2])
        own = clipped.mean(axis=0)
    else:
        own = prior.mean(axis=0)
    # neighbouring hours share their days: traffic changes smoothly over the day
    smooth = 0.5 * own + 0.25 * (np.roll(own, 1) + np.roll(own, -1))
    level = float(own.mean())
    rates = (n * smooth + SHRINK_DAYS * level) / (n + SHRINK_DAYS)
    return np.asarray(np.maximum(rates, FLOOR_PER_HOUR), dtype=np.float64)


def estimate_spread(prior_days: int, rates: FloatArray) -> FloatArray:
    """The norm is itself estimated from a few days: its relative variance, 1/(days x rate x
    the smoothing's gain), is added to the dispersion so few days make a cautious test."""
    return np.asarray(1.0 / (prior_days * SMOOTH_GAIN * rates), dtype=np.float64)


def dispersion(prior: FloatArray) -> float:
    """Moment estimate of the negative-binomial 1/r from the preceding days' (n, 24) counts:
    each hour's day-to-day variance beyond its mean, over its squared mean (0 for Poisson)."""
    if prior.shape[0] < 2:
        return 0.0
    means = prior.mean(axis=0)
    excess = float((prior.var(axis=0, ddof=1) - means).sum())
    scale = float((means**2).sum())
    if scale <= 0:
        return 0.0
    return float(min(max(excess / scale, 0.0), MAX_INV_SIZE))


def build_baseline(
    minute_counts: IntArray,
    minute_negatives: IntArray,
    *,
    first_day: int,
    days: int = BASELINE_DAYS,
) -> Baseline:
    """The expectation for each minute of a grid of whole UTC days; days before `first_day`
    (the first day the source has data at all) are not history."""
    hours = hourly(minute_counts)
    negative_hours = hourly(minute_negatives)
    n_days = hours.shape[0]
    per_minute = np.zeros(n_days * MINUTES_PER_DAY)
    inv_size = np.zeros_like(per_minute)
    judged = np.zeros(n_days * MINUTES_PER_DAY, dtype=np.bool_)
    negative_share = np.zeros_like(per_minute)
    for day in range(n_days):
        start = max(day - days, first_day, 0)
        if day - start < MIN_HISTORY_DAYS:
            continue
        prior = hours[start:day]
        rates = hour_of_day_rates(prior)
        span = slice(day * MINUTES_PER_DAY, (day + 1) * MINUTES_PER_DAY)
        per_minute[span] = np.repeat(rates / 60.0, 60)
        inv_size[span] = np.repeat(dispersion(prior) + estimate_spread(len(prior), rates), 60)
        judged[span] = True
        # Laplace-smoothed: a few quiet days never make every negative post a surprise.
        negative_share[span] = (negative_hours[start:day].sum() + 1.0) / (prior.sum() + 4.0)
    return Baseline(per_minute, inv_size, judged, negative_share)
