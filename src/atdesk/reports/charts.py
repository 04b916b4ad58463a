"""The overview's charts as data for the page's script (web/static/reports.js, Chart.js).

Each chart is a small JSON object (kind, labels, datasets, the unit of its axis, and where a
bar or point leads: the drill-down of the same filters narrowed to that bucket), built from the
metrics engine's answers. The page embeds them in a JSON block, escaped so no label a customer
or an admin wrote can close the block or start markup.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from atdesk.reports import metrics
from atdesk.reports.filters import Filters, Window
from atdesk.reports.scope import ReportScope

TITLES: dict[str, str] = {
    "volume": "Inbound posts by intent",
    "first_response": "First response times",
    "resolution": "Resolution times",
    "sla": "SLA compliance",
    "satisfaction": "CSAT and NPS",
    "hours": "Busiest hours (inbound posts, brand time)",
}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
# A stacked chart with more series than this keeps the biggest and folds the rest in one.
MAX_SERIES = 8
FOLDED = "others"
NO_INTENT = "No intent"

Spec = dict[str, Any]


def overview_charts(
    session: Session, scope: ReportScope, filters: Filters, period: Window, *, now: datetime
) -> dict[str, Spec]:
    """Every chart of the overview for this scope, keyed as the page's canvases are."""
    bucket = period.bucket
    rows = metrics.breakdown(session, scope, "day" if bucket == "day" else "week", now=now)
    return {
        "volume": volume_chart(session, scope, filters, bucket, now=now),
        "first_response": distribution_chart(session, scope, filters, "first_response", now=now),
        "resolution": distribution_chart(session, scope, filters, "resolution", now=now),
        "sla": sla_chart(rows, filters, bucket),
        "satisfaction": satisfaction_chart(rows, filters, bucket),
        "hours": hours_chart(session, scope, now=now),
    }


def volume_chart(
    session: Session,
    scope: ReportScope,
    filters: Filters,
    bucket: str,
    *,
    now: datetime | None = None,
) -> Spec:
    """Inbound posts per day or week, stacked by intent; a bar opens that bucket's cases of
    that intent."""
    series = metrics.volume_series(session, scope, by="intent", bucket=_bucket(bucket), now=now)
    labels = list(series.buckets)
    named = sorted(series.counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    if len(named) > MAX_SERIES:
        kept, folded = named[: MAX_SERIES - 1], named[MAX_SERIES - 1 :]
        other = [sum(values[i] for _, values in folded) for i in range(len(labels))]
        named = [*kept, (FOLDED, other)]
    datasets = []
    for name, values in named:
        intent = None if name in (FOLDED, NO_INTENT) else name
        links = [
            _link(filters, "cases", f"{bucket}:{b}", intent=intent)
            if name not in (FOLDED, NO_INTENT)
            else None
            for b in labels
        ]
        datasets.append({"label": name.replace("_", " "), "data": list(values), "links": links})
    return {"kind": "stacked", "format": "count", "labels": labels, "datasets": datasets}


def distribution_chart(
    session: Session,
    scope: ReportScope,
    filters: Filters,
    metric: str,
    *,
    now: datetime | None = None,
) -> Spec:
    """How many cases waited how long: a bar per time band, in wall-clock time."""
    buckets = metrics.distribution(
        session,
        scope,
        "first_response" if metric == "first_response" else "resolution",
        business_hours=False,
        now=now,
    )
    name = "first_response" if metric == "first_response" else "resolution"
    return {
        "kind": "bar",
        "format": "count",
        "labels": [b.label for b in buckets],
        "datasets": [
            {
                "label": "Cases",
                "data": [b.cases for b in buckets],
                "links": [_link(filters, name, b.label) for b in buckets],
            }
        ],
    }


def sla_chart(rows: list[metrics.Row], filters: Filters, bucket: str) -> Spec:
    """The share of cases within their SLA targets, per day or week."""
    return {
        "kind": "line",
        "format": "percent",
        "labels": [r.label for r in rows],
        "datasets": [
            {
                "label": "SLA met",
                "data": [r.metrics.sla_compliance for r in rows],
                "links": [_link(filters, "sla_missed", f"{bucket}:{r.key}") for r in rows],
            }
        ],
    }


def satisfaction_chart(rows: list[metrics.Row], filters: Filters, bucket: str) -> Spec:
    """CSAT (share of 4-5, left axis) and NPS (-100..100, right axis), per day or week; each
    point opens the cases whose answers that day or week make it up."""
    return {
        "kind": "line",
        "format": "percent",
        "labels": [r.label for r in rows],
        "right": {"format": "score", "min": -100, "max": 100},
        "datasets": [
            {
                "label": "CSAT",
                "data": [r.metrics.csat for r in rows],
                "links": [_link(filters, "csat", f"{bucket}:{r.key}") for r in rows],
            },
            {
                "label": "NPS",
                "data": [r.metrics.nps for r in rows],
                "axis": "y2",
                "links": [_link(filters, "nps", f"{bucket}:{r.key}") for r in rows],
            },
        ],
    }


def hours_chart(session: Session, scope: ReportScope, *, now: datetime | None = None) -> Spec:
    """Inbound posts by weekday and hour: a heat map (chartjs-chart-matrix)."""
    grid = metrics.busiest_hours(session, scope, now)
    cells = [
        {"x": hour, "y": day, "v": int(grid[day][hour])} for day in range(7) for hour in range(24)
    ]
    return {
        "kind": "matrix",
        "rows": WEEKDAYS,
        "datasets": [{"label": "Inbound posts", "data": cells}],
    }


def json_block(specs: dict[str, Spec]) -> str:
    """The specs as JSON safe inside <script type="application/json"> (no <, >, & as such)."""
    text = json.dumps(specs, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _bucket(bucket: str) -> Any:
    return "day" if bucket == "day" else "week"


def _link(filters: Filters, metric: str, key: str, *, intent: str | None = None) -> str:
    """The drill-down of one bar or point: the page's filters, the engine's metric and key."""
    changes: dict[str, object] = {"metric": metric, "key": key}
    if intent is not None:
        changes["intent"] = intent
    return "/reports/cases?" + urlencode(filters.query(**changes))
