"""REST API for reports: summary, breakdowns, chart data and drill-down, on the viewer's brands.

Numbers are read from case_facts, which the worker refreshes every minute (ADR 91).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from atdesk.accounts.deps import ApiViewer
from atdesk.domain.errors import AppError
from atdesk.domain.ids import RowId
from atdesk.models.base import utcnow
from atdesk.reports import metrics
from atdesk.reports.access import ScopeFilters, scope_for
from atdesk.reports.brand_report import brand_reports
from atdesk.reports.schemas import (
    BrandReportOut,
    BreakdownOut,
    BreakdownRowOut,
    BucketOut,
    BusiestHoursOut,
    DistributionOut,
    DrillOut,
    ScopeOut,
    SeriesLineOut,
    SeriesOut,
    SummaryOut,
)
from atdesk.reports.scope import ReportScope
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

Text = Annotated[str | None, Query(max_length=64)]


def filters(
    brand_id: RowId | None = None,
    team_id: RowId | None = None,
    agent_id: RowId | None = None,
    network: Text = None,
    intent: Text = None,
    issue_id: RowId | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ScopeFilters:
    """The filters every reports route takes (since inclusive, until exclusive; naive = UTC)."""
    return ScopeFilters(brand_id, team_id, agent_id, network, intent, issue_id, since, until)


Filters = Annotated[ScopeFilters, Depends(filters)]


def _scope(session: Session, viewer: ApiViewer, asked: ScopeFilters) -> ReportScope:
    return scope_for(session, viewer.brand_ids, asked)


def scope_out(scope: ReportScope) -> ScopeOut:
    """The scope as the API shows it."""
    return ScopeOut(
        brand_ids=None if scope.brand_ids is None else list(scope.brand_ids),
        team_id=scope.team_id,
        agent_id=scope.agent_id,
        network=scope.network,
        intent=scope.intent,
        issue_id=scope.issue_id,
        since=scope.since,
        until=scope.until,
    )


@router.get("/summary")
def get_summary(session: DbSession, viewer: ApiViewer, asked: Filters) -> SummaryOut:
    """Every metric over the cases opened, posts received and answers given in the scope."""
    scope = _scope(session, viewer, asked)
    now = utcnow()
    return SummaryOut(
        scope=scope_out(scope),
        generated_at=now,
        metrics=metrics.summarize(session, scope, now=now),
    )


@router.get("/breakdown")
def get_breakdown(
    session: DbSession,
    viewer: ApiViewer,
    asked: Filters,
    by: Annotated[metrics.Dimension, Query()] = "brand",
) -> BreakdownOut:
    """The metrics per brand, team, agent, network, intent, issue, or UTC day/week/month."""
    scope = _scope(session, viewer, asked)
    now = utcnow()
    rows = metrics.breakdown(session, scope, by, now=now, side=True)
    return BreakdownOut(
        scope=scope_out(scope),
        generated_at=now,
        by=by,
        rows=[BreakdownRowOut(key=r.key, label=r.label, metrics=r.metrics) for r in rows],
    )


@router.get("/brands")
def get_brands(session: DbSession, viewer: ApiViewer, asked: Filters) -> BrandReportOut:
    """One object per brand in scope, as `atdesk report --json` prints them."""
    scope = _scope(session, viewer, asked)
    now = utcnow()
    return BrandReportOut(generated_at=now, brands=brand_reports(session, scope, now=now))


@router.get("/series")
def get_series(
    session: DbSession,
    viewer: ApiViewer,
    asked: Filters,
    by: Literal["intent", "network", "brand"] = "intent",
    bucket: Literal["day", "week"] = "day",
) -> SeriesOut:
    """Inbound posts per UTC day or ISO week, one line per intent, network or brand."""
    scope = _scope(session, viewer, asked)
    series = metrics.volume_series(session, scope, by=by, bucket=bucket)
    return SeriesOut(
        scope=scope_out(scope),
        by=by,
        bucket=bucket,
        buckets=series.buckets,
        series=[SeriesLineOut(name=n, counts=c) for n, c in series.counts.items()],
    )


@router.get("/distribution")
def get_distribution(
    session: DbSession,
    viewer: ApiViewer,
    asked: Filters,
    metric: Literal["first_response", "resolution"] = "first_response",
    business_hours: bool = False,
) -> DistributionOut:
    """Cases per time bucket to a first response or to resolution (wall or business time)."""
    scope = _scope(session, viewer, asked)
    buckets = metrics.distribution(session, scope, metric, business_hours=business_hours)
    return DistributionOut(
        scope=scope_out(scope),
        metric=metric,
        business_hours=business_hours,
        buckets=[
            BucketOut(label=b.label, lo_s=b.lo_s, hi_s=b.hi_s, cases=b.cases) for b in buckets
        ],
    )


@router.get("/busiest-hours")
def get_busiest_hours(session: DbSession, viewer: ApiViewer, asked: Filters) -> BusiestHoursOut:
    """Inbound posts per weekday and hour in each brand's own time zone."""
    scope = _scope(session, viewer, asked)
    return BusiestHoursOut(scope=scope_out(scope), grid=metrics.busiest_hours(session, scope))


@router.get("/drill")
def get_drill(
    session: DbSession,
    viewer: ApiViewer,
    asked: Filters,
    metric: Annotated[str, Query(max_length=32)] = "cases",
    key: Annotated[str | None, Query(max_length=80)] = None,
) -> DrillOut:
    """The case ids behind a number: a metric (answered, backlog, sla_missed...) for a
    breakdown row key ('intent:billing', 'week:2026-W10'), or a distribution bucket."""
    scope = _scope(session, viewer, asked)
    try:
        ids = metrics.drill(session, scope, metric=metric, key=key, now=utcnow())
    except ValueError as exc:
        raise AppError(str(exc)) from None
    return DrillOut(
        scope=scope_out(scope), metric=metric, key=key, case_ids=ids, limit=metrics.DRILL_LIMIT
    )
