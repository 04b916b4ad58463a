"""The per-brand report of `atdesk report` (SPEC §5): one JSON-ready object per brand."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.models import Brand
from atdesk.reports.costs_seam import costs_per_resolution
from atdesk.reports.formulas import empty_metrics
from atdesk.reports.metrics import breakdown
from atdesk.reports.scope import ReportScope

# The SPEC's keys first, in its order; every other metric follows.
SPEC_KEYS = (
    "brand",
    "inbound",
    "cases",
    "answered_share",
    "first_response_median_s",
    "first_response_p90_s",
    "resolution_median_s",
    "sla_compliance",
    "csat",
    "nps",
    "automation_rate",
    "cost_per_resolution",
)


def brand_reports(session: Session, scope: ReportScope, *, now: datetime) -> list[dict[str, Any]]:
    """Every brand in scope, by name, with all its metrics (brands with no data included)."""
    query = select(Brand.id, Brand.name).order_by(Brand.name)
    if scope.brand_ids is not None:
        query = query.where(Brand.id.in_(scope.brand_ids))
    brands = list(session.execute(query))
    rows = {row.key: row.metrics for row in breakdown(session, scope, "brand", now=now)}
    nothing = empty_metrics()
    costs = costs_per_resolution(session, scope, [brand_id for brand_id, _ in brands])
    out = []
    for brand_id, name in brands:
        item: dict[str, Any] = {"brand": name, "brand_id": brand_id}
        item.update(asdict(rows.get(str(brand_id), nothing)))
        item["cost_per_resolution"] = costs.get(brand_id)
        ordered = {key: item[key] for key in SPEC_KEYS}
        ordered.update({k: v for k, v in item.items() if k not in ordered})
        out.append(ordered)
    return out
