"""The reports API's JSON shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from atdesk.reports.formulas import MetricSet


class ScopeOut(BaseModel):
    """The filters a report answered for (brand_ids: the brands it covered; null = all)."""

    brand_ids: list[int] | None
    team_id: int | None
    agent_id: int | None
    network: str | None
    intent: str | None
    issue_id: int | None
    since: datetime | None
    until: datetime | None


class SummaryOut(BaseModel):
    """The whole scope's metrics."""

    scope: ScopeOut
    generated_at: datetime
    metrics: MetricSet


class BreakdownRowOut(BaseModel):
    """One row: its key (for filters and drill: 'none' when the cases lack it) and label."""

    key: str
    label: str
    metrics: MetricSet


class BreakdownOut(BaseModel):
    """The metrics per brand, team, agent, network, intent, issue or UTC day/week/month."""

    scope: ScopeOut
    generated_at: datetime
    by: str
    rows: list[BreakdownRowOut]


class SeriesLineOut(BaseModel):
    """One stacked series: its name and a count per bucket."""

    name: str
    counts: list[int]


class SeriesOut(BaseModel):
    """Inbound posts per bucket (UTC day or ISO week), one line per intent, network or brand."""

    scope: ScopeOut
    by: str
    bucket: str
    buckets: list[str]
    series: list[SeriesLineOut]


class BucketOut(BaseModel):
    """A histogram bar: cases whose time is in [lo_s, hi_s); hi_s null for the last one."""

    label: str
    lo_s: float
    hi_s: float | None
    cases: int


class DistributionOut(BaseModel):
    """How many cases took how long to a first response or to resolution."""

    scope: ScopeOut
    metric: str
    business_hours: bool
    buckets: list[BucketOut]


class BusiestHoursOut(BaseModel):
    """Inbound posts per weekday (0 = Monday) and hour of day, in each brand's time zone."""

    scope: ScopeOut
    grid: list[list[int]]


class DrillOut(BaseModel):
    """The ids of the cases behind a number, oldest first."""

    scope: ScopeOut
    metric: str
    key: str | None
    case_ids: list[int]
    limit: int


class BrandReportOut(BaseModel):
    """Per brand, the same objects `atdesk report --json` prints."""

    generated_at: datetime
    brands: list[dict[str, Any]]
