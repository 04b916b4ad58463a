"""The reports pages: an overview with charts, breakdown tables (by agent, team, brand, network,
intent, issue), the cases behind any number, and a CSV file of each (`?format=csv`).

Everyone signed in reads them for their own brands (ADR 77): an agent sees their teams'
brands, an admin every brand; a brand outside them answers 404 like everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.domain.ids import parse_page
from atdesk.reports import charts, metrics
from atdesk.reports.access import scope_for
from atdesk.reports.cache import minute
from atdesk.reports.choices import Choices, filter_choices
from atdesk.reports.columns import (
    COST_COLUMN,
    CSV_EXTRA,
    DRILL_TITLES,
    HEADLINE,
    TABLE_COLUMNS,
    Column,
    fmt,
)
from atdesk.reports.costs_seam import costs_per_resolution
from atdesk.reports.csv_export import Cell, csv_response
from atdesk.reports.data_span import data_span
from atdesk.reports.drilldown import all_lines, case_listing
from atdesk.reports.filters import (
    PERIODS,
    BadFilter,
    Filters,
    Window,
    parse_filters,
    scope_filters,
    window,
)
from atdesk.reports.scope import ReportScope
from atdesk.reports.survey_drill import SURVEY_GROUPS
from atdesk.ui.deps import DbSession, request_now
from atdesk.ui.templating import render, templates

router = APIRouter(prefix="/reports", include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Tab:
    """One breakdown table: its path, the dimension it groups by, and its headings."""

    path: str
    dimension: metrics.Dimension
    title: str
    key_label: str


TABS: tuple[Tab, ...] = (
    Tab("agents", "agent", "By agent", "Agent"),
    Tab("teams", "team", "By team", "Team"),
    Tab("brands", "brand", "By brand", "Brand"),
    Tab("networks", "network", "By network", "Network"),
    Tab("intents", "intent", "By intent", "Intent"),
    Tab("issues", "issue", "By issue", "Issue"),
)
BUCKETED = frozenset({"first_response", "resolution"})


@dataclass(frozen=True, slots=True)
class Asked:
    """One reports request: the viewer's filters, what they may pick, the scope and period."""

    filters: Filters
    choices: Choices
    scope: ReportScope
    period: Window
    now: datetime


def _asked(request: Request, session: Session, viewer: Viewer) -> Asked:
    # Reports are as of the minute: the engine remembers answers per minute (reports/cache.py),
    # so a page's charts, tables and drill-downs within a minute share one computation.
    now = minute(request_now(request))
    filters = parse_filters(request.query_params)
    choices = filter_choices(session, viewer.brand_ids)
    scope = scope_for(session, viewer.brand_ids, scope_filters(filters, now=now))
    return Asked(filters, choices, scope, window(filters, now=now), now)


def _wants_csv(request: Request) -> bool:
    return request.query_params.get("format") == "csv"


def _page(request: Request, session: Session, name: str, asked: Asked, **extra: object) -> Response:
    return render(
        request,
        name,
        {
            "filters": asked.filters,
            "choices": asked.choices,
            "period": asked.period,
            "periods": PERIODS,
            "tabs": TABS,
            "query": asked.filters.query(),
            **extra,
        },
        session=session,
    )


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Headline numbers and the charts a team lead reads first, for the chosen filters."""
    asked = _asked(request, session, viewer)
    if not _wants_csv(request):
        metrics.prepare_overview(session, asked.scope, now=asked.now)
    summary = metrics.summarize(session, asked.scope, now=asked.now)
    if _wants_csv(request):
        columns = (*HEADLINE, *CSV_EXTRA)
        return csv_response(
            f"reports-overview-{asked.period.since:%Y%m%d}-{asked.period.until:%Y%m%d}",
            ["Metric", "Value"],
            [(c.csv_label, _number(summary, c)) for c in columns],
        )
    specs = charts.overview_charts(session, asked.scope, asked.filters, asked.period, now=asked.now)
    tiles = [
        (c, fmt(getattr(summary, c.field, None), c.unit), _drill_link(asked.filters, c.drill))
        for c in HEADLINE
    ]
    if asked.scope.brand_ids is not None and len(asked.scope.brand_ids) == 1:
        brand = asked.scope.brand_ids[0]
        cost = costs_per_resolution(session, asked.scope, [brand]).get(brand)
        if cost is not None:
            tiles.append(
                (COST_COLUMN, fmt(cost, "money"), _drill_link(asked.filters, COST_COLUMN.drill))
            )
    hint = None
    if summary.cases == 0 and summary.inbound == 0:
        brands = asked.scope.brand_ids
        span = data_span(session, None if brands is None else frozenset(brands))
        if span is not None:
            since, until = span.hint()
            hint = (
                since,
                until,
                "/reports?"
                + urlencode(
                    asked.filters.query(
                        period="custom", since=since.isoformat(), until=until.isoformat()
                    )
                ),
            )
    return _page(
        request,
        session,
        "reports/index.html",
        asked,
        summary=summary,
        hint=hint,
        tiles=tiles,
        charts_json=charts.json_block(specs),
        chart_titles=charts.TITLES,
    )


def _table_page(tab: Tab) -> Callable[..., Response]:
    def page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
        asked = _asked(request, session, viewer)
        rows = metrics.breakdown(session, asked.scope, tab.dimension, now=asked.now, side=True)
        costs = _brand_costs(session, asked.scope, rows) if tab.dimension == "brand" else None
        if _wants_csv(request):
            columns = (*TABLE_COLUMNS, *CSV_EXTRA)
            header = [tab.key_label, *(c.csv_label for c in columns)]
            table = [[row.label, *(_number(row.metrics, c) for c in columns)] for row in rows]
            if costs is not None:
                header.append(COST_COLUMN.csv_label)
                for line, row in zip(table, rows, strict=True):
                    line.append(_money(costs.get(row.key)))
            return csv_response(
                f"reports-{tab.path}-{asked.period.since:%Y%m%d}-{asked.period.until:%Y%m%d}",
                header,
                table,
            )
        lines = []
        for row in rows:
            key = f"{tab.dimension}:{row.key}"
            narrowed = _narrowed(asked.filters, tab.dimension, row.key)
            cells = [
                (
                    fmt(getattr(row.metrics, c.field, None), c.unit),
                    _drill_link(asked.filters, c.drill, key=key),
                )
                for c in TABLE_COLUMNS
            ]
            if costs is not None:
                cost = costs.get(row.key)
                link = _drill_link(asked.filters, COST_COLUMN.drill, key=key)
                cells.append((fmt(cost, COST_COLUMN.unit), link if cost is not None else None))
            overview = f"/reports?{urlencode(narrowed.query())}" if narrowed else None
            lines.append((row, cells, overview))
        return _page(
            request,
            session,
            "reports/table.html",
            asked,
            tab=tab,
            columns=(*TABLE_COLUMNS, COST_COLUMN) if costs is not None else TABLE_COLUMNS,
            lines=lines,
        )

    page.__name__ = f"report_by_{tab.dimension}"
    page.__doc__ = f"The reports table {tab.title.lower()}, each number linking to its cases."
    return page


for _tab in TABS:
    router.add_api_route(
        f"/{_tab.path}", _table_page(_tab), methods=["GET"], response_class=HTMLResponse
    )


@router.get("/cases", response_class=HTMLResponse)
def drill_down(
    request: Request, session: DbSession, viewer: PageViewer, metric: str = "", key: str = ""
) -> Response:
    """The cases behind one number: the same filters, the same metric, one page at a time.

    `key` narrows to a table row, chart bar or time band as the engine names them
    ('agent:12', 'intent:billing', 'day:2026-03-04', 'team:none'; for first_response and
    resolution, a band such as '1-4 h').
    """
    if metric not in metrics.DRILL_METRICS and metric not in BUCKETED:
        known = ", ".join([*metrics.DRILL_METRICS, *sorted(BUCKETED)])
        raise BadFilter(f"metric must be one of {known}, not {metric[:40]!r}")
    asked = _asked(request, session, viewer)
    try:
        ids = metrics.drill(session, asked.scope, metric=metric, key=key or None, now=asked.now)
    except ValueError as exc:
        raise BadFilter(str(exc)) from None
    if _wants_csv(request):
        return csv_response(
            f"reports-cases-{metric}",
            ["Case", "Brand", "Network", "Status", "Intent", "Subject", "Assignee", "Opened",
             "First response (seconds)", "Resolved", "Resolution (seconds)"],
            (
                [line.id, line.brand, line.network, line.status, line.intent, line.subject,
                 line.assignee, line.opened_at.isoformat(), line.first_response_seconds,
                 line.resolved_at.isoformat() if line.resolved_at else None,
                 line.resolution_seconds]
                for line in all_lines(session, ids, viewer.brand_ids)
            ),
        )  # fmt: skip
    keep = asked.filters.query(metric=metric, key=key)
    listing = case_listing(
        session,
        ids,
        viewer.brand_ids,
        page=parse_page(request.query_params.get("page")),
        keep=keep,
    )
    return _page(
        request,
        session,
        "reports/cases.html",
        asked,
        metric=metric,
        key=key,
        title=DRILL_TITLES.get(metric, metric),
        groups=_survey_groups(asked.filters, metric, key),
        key_shown=_key_shown(key, asked.choices),
        capped=len(ids) >= metrics.DRILL_LIMIT,
        limit=metrics.DRILL_LIMIT,
        listing=listing,
        csv_query=urlencode({**keep, "format": "csv"}),
    )


def _survey_groups(filters: Filters, metric: str, key: str) -> list[tuple[str, str, bool]]:
    """For a CSAT or NPS drill-down, its groups (all, satisfied, detractors...) as links."""
    number = metric.split("_")[0]
    if number not in SURVEY_GROUPS:
        return []
    return [
        (label, "/reports/cases?" + urlencode(filters.query(metric=name, key=key)), name == metric)
        for name, label in SURVEY_GROUPS[number]
    ]


def _key_shown(key: str, choices: Choices) -> str:
    """A drill-down key as a person reads it: 'Team Acme', 'intent billing', 'day 2026-03-04'."""
    if not key:
        return ""
    dimension, colon, value = key.partition(":")
    if not colon:
        return key  # a time band: '1-4 h'
    named = {"brand": choices.brands, "team": choices.teams, "agent": choices.agents}
    if value == metrics.NONE_KEY:
        return {"agent": "unassigned", "team": "no team", "intent": "no intent"}.get(
            dimension, f"no {dimension}"
        )
    for choice in named.get(dimension, []):
        if choice.value == value:
            return f"{dimension} {choice.label}"
    return f"{dimension} {value}".replace("_", " ") if dimension else value


def _brand_costs(
    session: Session, scope: ReportScope, rows: list[metrics.Row]
) -> dict[str, float | None]:
    """Each brand row's cost per resolution in the period (None until costs are known)."""
    brands = [int(row.key) for row in rows if row.key.isdecimal()]
    known = costs_per_resolution(session, scope, brands) if brands else {}
    return {str(brand): cost for brand, cost in known.items()}


def _money(value: float | None) -> Cell:
    return None if value is None else round(value, 2)


def _number(values: object, column: Column) -> Cell:
    value = getattr(values, column.field, None)
    if isinstance(value, float) and column.unit == "duration":
        return round(value)
    if isinstance(value, float):
        return round(value, 4)
    return value if isinstance(value, int | str) else None


def _narrowed(filters: Filters, dimension: str, key: str) -> Filters | None:
    """The filters of one table row, or None for a row no filter can name (e.g. unassigned)."""
    try:
        return filters.narrowed(dimension, key)
    except BadFilter:
        return None


def _drill_link(filters: Filters, metric: str | None, *, key: str = "") -> str | None:
    """The drill-down of a number: its engine metric, the same filters, the row's key."""
    if metric is None:
        return None
    return "/reports/cases?" + urlencode(filters.query(metric=metric, key=key))


templates.env.globals["report_fmt"] = fmt
