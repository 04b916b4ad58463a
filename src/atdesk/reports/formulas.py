"""The report formulas over per-case facts, posts and survey answers: pure, no database."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class CaseCounts:
    """Cases counted by what happened to them (summed in SQL from case_facts)."""

    cases: int = 0
    answered: int = 0
    resolved: int = 0
    ever_resolved: int = 0  # resolved now, or reopened after a resolution
    reopened: int = 0
    automated: int = 0
    touched: int = 0  # an automation or bot replied or handed over
    handed_off: int = 0
    sla_met: int = 0
    sla_settled: int = 0
    backlog: int = 0

    def add(self, other: CaseCounts) -> None:
        """Sum another count into this one."""
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class Durations:
    """The measured seconds of the cases in a cell, one list per measure, and backlog ages."""

    first_response: list[float] = field(default_factory=list)
    first_response_bh: list[float] = field(default_factory=list)
    next_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    resolution_bh: list[float] = field(default_factory=list)
    backlog_age: list[float] = field(default_factory=list)

    def extend(self, other: Durations) -> None:
        """Add another cell's values to this one's (a period is the sum of its days)."""
        for name in self.__slots__:
            getattr(self, name).extend(getattr(other, name))

    def spreads(self) -> Spreads:
        """Medians and p90s of these values, as the database computes them for reports."""
        return Spreads(
            first_response=Spread.of(self.first_response),
            first_response_bh=Spread.of(self.first_response_bh),
            next_response=Spread.of(self.next_response),
            resolution=Spread.of(self.resolution),
            resolution_bh=Spread.of(self.resolution_bh),
            backlog_age_median=median(self.backlog_age),
        )


@dataclass(frozen=True, slots=True)
class Spread:
    """The median and the nearest-rank p90 of one measure in a cell (None: nothing measured)."""

    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """From the values themselves (sorted once for both)."""
        if not values:
            return cls()
        ordered = sorted(values)
        return cls(_middle(ordered), _nearest_rank(ordered, 0.9))


@dataclass(slots=True)
class Spreads:
    """The time measures of one cell, reduced to what a report shows."""

    first_response: Spread = Spread()
    first_response_bh: Spread = Spread()
    next_response: Spread = Spread()
    resolution: Spread = Spread()
    resolution_bh: Spread = Spread()
    backlog_age_median: float | None = None


@dataclass(slots=True)
class PostTally:
    """Inbound posts counted: all, filtered as noise, and sentiment labels."""

    inbound: int = 0
    filtered: int = 0
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    def add(self, other: PostTally) -> None:
        """Sum another tally into this one."""
        self.inbound += other.inbound
        self.filtered += other.filtered
        self.positive += other.positive
        self.neutral += other.neutral
        self.negative += other.negative


@dataclass(slots=True)
class SurveyTally:
    """Survey answers counted by score: CSAT 1-5 and NPS 0-10."""

    csat: list[int]
    nps: list[int]

    @classmethod
    def empty(cls) -> SurveyTally:
        """No answers yet."""
        return cls([], [])


@dataclass(frozen=True, slots=True)
class MetricSet:
    """Every number of one report cell, and its JSON in the reports API; what can lack data
    is None (null) then (docs/reports.md)."""

    inbound: int
    cases: int
    answered_share: float | None
    first_response_median_s: float | None
    first_response_p90_s: float | None
    first_response_bh_median_s: float | None
    first_response_bh_p90_s: float | None
    next_response_median_s: float | None
    next_response_p90_s: float | None
    resolution_median_s: float | None
    resolution_p90_s: float | None
    resolution_bh_median_s: float | None
    resolution_bh_p90_s: float | None
    sla_compliance: float | None
    backlog: int
    backlog_age_median_s: float | None
    reopen_rate: float | None
    automation_rate: float | None
    handoff_rate: float | None
    csat: float | None
    csat_responses: int
    nps: float | None
    nps_responses: int
    sentiment: float | None
    negative_share: float | None
    filtered_share: float | None


def median(values: Sequence[float]) -> float | None:
    """The middle value (mean of the two middle ones for an even count); None when empty."""
    return _middle(sorted(values)) if values else None


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` of values at or below."""
    return _nearest_rank(sorted(values), share) if values else None


def _middle(ordered: Sequence[float]) -> float:
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def _nearest_rank(ordered: Sequence[float], share: float) -> float:
    # round() first: 0.9 * 70 is 63.00000000000001 in binary floating point, not 63.
    rank = max(1, math.ceil(round(share * len(ordered), 9)))
    return float(ordered[rank - 1])


def ratio(part: int, whole: int) -> float | None:
    """part / whole, None when there is nothing to divide."""
    return part / whole if whole else None


def csat(scores: Iterable[int]) -> float | None:
    """Share of CSAT answers that are 4 or 5."""
    values = list(scores)
    return ratio(sum(1 for s in values if s >= 4), len(values))


def nps(scores: Iterable[int]) -> float | None:
    """Net promoter score: % promoters (9-10) minus % detractors (0-6), -100..100."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(1 for s in values if s >= 9)
    detractors = sum(1 for s in values if s <= 6)
    return 100.0 * (promoters - detractors) / len(values)


def sla_outcomes(
    first_response_at: datetime | None,
    first_response_due_at: datetime | None,
    resolved_at: datetime | None,
    resolution_due_at: datetime | None,
    now: datetime,
) -> tuple[int, int]:
    """(targets met, targets settled) for a case's first-response and resolution targets.

    A target is settled when it was reached (met if at or before its due time) or its due
    time passed unreached (missed); a clock still running counts neither way. The SQL in
    reports.metrics sums exactly this; the function states it and the tests pin it.
    """
    met = settled = 0
    for done, due in ((first_response_at, first_response_due_at), (resolved_at, resolution_due_at)):
        if due is None:
            continue
        if done is not None:
            settled += 1
            met += done <= due
        elif due <= now:
            settled += 1
    return met, settled


def metric_set(
    counts: CaseCounts, times: Spreads, posts: PostTally, surveys: SurveyTally
) -> MetricSet:
    """Aggregate one report cell."""
    labelled = posts.positive + posts.neutral + posts.negative
    return MetricSet(
        inbound=posts.inbound,
        cases=counts.cases,
        answered_share=ratio(counts.answered, counts.cases),
        first_response_median_s=times.first_response.median,
        first_response_p90_s=times.first_response.p90,
        first_response_bh_median_s=times.first_response_bh.median,
        first_response_bh_p90_s=times.first_response_bh.p90,
        next_response_median_s=times.next_response.median,
        next_response_p90_s=times.next_response.p90,
        resolution_median_s=times.resolution.median,
        resolution_p90_s=times.resolution.p90,
        resolution_bh_median_s=times.resolution_bh.median,
        resolution_bh_p90_s=times.resolution_bh.p90,
        sla_compliance=ratio(counts.sla_met, counts.sla_settled),
        backlog=counts.backlog,
        backlog_age_median_s=times.backlog_age_median,
        reopen_rate=ratio(counts.reopened, counts.ever_resolved),
        automation_rate=ratio(counts.automated, counts.resolved),
        handoff_rate=ratio(counts.handed_off, counts.touched),
        csat=csat(surveys.csat),
        csat_responses=len(surveys.csat),
        nps=nps(surveys.nps),
        nps_responses=len(surveys.nps),
        sentiment=(posts.positive - posts.negative) / labelled if labelled else None,
        negative_share=ratio(posts.negative, labelled),
        filtered_share=ratio(posts.filtered, posts.inbound),
    )


def empty_metrics() -> MetricSet:
    """A cell with nothing in it: counts 0, everything else None."""
    return metric_set(CaseCounts(), Spreads(), PostTally(), SurveyTally.empty())
