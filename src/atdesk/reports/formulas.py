"""The report formulas over per-case facts, posts and survey answers: pure, no database."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from atdesk.domain.cases import CaseStatus


@dataclass(frozen=True, slots=True)
class FactRow:
    """One case's facts as the formulas read them (a case_facts row)."""

    case_id: int
    opened_at: datetime
    status: str
    history: bool
    first_response_at: datetime | None
    first_response_s: float | None
    first_response_bh_s: float | None
    next_response_s: float | None
    resolved_at: datetime | None
    resolution_s: float | None
    resolution_bh_s: float | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    reopens: int
    automation_replied: bool
    automated: bool
    handoff: bool


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
    """Every number of one report cell; what can lack data is None then."""

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
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` of values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
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


def sla_outcomes(row: FactRow, now: datetime) -> tuple[int, int]:
    """(targets met, targets settled) for a case's first-response and resolution targets.

    A target is settled when it was reached (met if at or before its due time) or its due
    time passed unreached (missed); a clock still running counts neither way.
    """
    met = settled = 0
    for done, due in (
        (row.first_response_at, row.first_response_due_at),
        (row.resolved_at, row.resolution_due_at),
    ):
        if due is None:
            continue
        if done is not None:
            settled += 1
            met += done <= due
        elif due <= now:
            settled += 1
    return met, settled


def metric_set(
    rows: Sequence[FactRow], posts: PostTally, surveys: SurveyTally, *, now: datetime
) -> MetricSet:
    """Aggregate one report cell."""
    fr = [r.first_response_s for r in rows if r.first_response_s is not None]
    fr_bh = [r.first_response_bh_s for r in rows if r.first_response_bh_s is not None]
    nr = [r.next_response_s for r in rows if r.next_response_s is not None]
    res = [r.resolution_s for r in rows if r.resolution_s is not None]
    res_bh = [r.resolution_bh_s for r in rows if r.resolution_bh_s is not None]
    met = settled = 0
    for row in rows:
        m, s = sla_outcomes(row, now)
        met += m
        settled += s
    backlog = [r for r in rows if r.status != CaseStatus.RESOLVED.value and not r.history]
    ages = [max(0.0, (now - r.opened_at).total_seconds()) for r in backlog]
    resolved = [r for r in rows if r.resolved_at is not None]
    ever_resolved = sum(1 for r in rows if r.resolved_at is not None or r.reopens > 0)
    touched = [r for r in rows if r.automation_replied or r.handoff]
    labelled = posts.positive + posts.neutral + posts.negative
    return MetricSet(
        inbound=posts.inbound,
        cases=len(rows),
        answered_share=ratio(len(fr), len(rows)),
        first_response_median_s=median(fr),
        first_response_p90_s=percentile(fr, 0.9),
        first_response_bh_median_s=median(fr_bh),
        first_response_bh_p90_s=percentile(fr_bh, 0.9),
        next_response_median_s=median(nr),
        next_response_p90_s=percentile(nr, 0.9),
        resolution_median_s=median(res),
        resolution_p90_s=percentile(res, 0.9),
        resolution_bh_median_s=median(res_bh),
        resolution_bh_p90_s=percentile(res_bh, 0.9),
        sla_compliance=ratio(met, settled),
        backlog=len(backlog),
        backlog_age_median_s=median(ages),
        reopen_rate=ratio(sum(1 for r in rows if r.reopens > 0), ever_resolved),
        automation_rate=ratio(sum(1 for r in resolved if r.automated), len(resolved)),
        handoff_rate=ratio(sum(1 for r in touched if r.handoff), len(touched)),
        csat=csat(surveys.csat),
        csat_responses=len(surveys.csat),
        nps=nps(surveys.nps),
        nps_responses=len(surveys.nps),
        sentiment=(posts.positive - posts.negative) / labelled if labelled else None,
        negative_share=ratio(posts.negative, labelled),
        filtered_share=ratio(posts.filtered, posts.inbound),
    )
