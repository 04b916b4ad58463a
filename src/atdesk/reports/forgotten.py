"""Rollup cells that lost data the facts refresh cannot see: posts and cases a brand's retention
purged, or a customer's erasure removed (the purge deletes their facts rows with the cases).

The data lifecycle records each such pass in the audit trail (`brand.retention_applied` with its
cut-off, `customer.erased` with the brands); the refresh reads those events past its watermark
and recomputes the cells that may hold the removed rows (ADR 95).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.models import AuditEvent, ReportCaseDay, ReportPostHour
from atdesk.reports.case_days import Cell, day_number
from atdesk.reports.post_hours import epoch_hour

RETENTION = "brand.retention_applied"
ERASURE = "customer.erased"


@dataclass(slots=True)
class Forgotten:
    """The post hours and case days to recompute because rows under them were removed."""

    hours: set[int] = field(default_factory=set)
    cells: set[Cell] = field(default_factory=set)


def _limits(session: Session, seen: int, watermark: int) -> dict[int, datetime | None]:
    """Each brand that lost rows since `seen`, with the moment before which it lost them
    (None: any time, as an erasure may reach every period)."""
    query = select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.after).where(
        AuditEvent.action.in_((RETENTION, ERASURE)),
        AuditEvent.id > seen,
        AuditEvent.id <= watermark,
    )
    limits: dict[int, datetime | None] = {}
    for action, entity_id, after in session.execute(query):
        details: dict[str, Any] = after or {}
        if action == RETENTION:
            if details.get("mode") != "purge":
                continue  # anonymising keeps every counted column
            cutoff = datetime.fromisoformat(str(details["cutoff"]))
            brand = int(entity_id)
            if brand not in limits:
                limits[brand] = cutoff
            elif (known := limits[brand]) is not None:
                limits[brand] = max(known, cutoff)
        else:
            for brand in details.get("brands") or []:
                limits[int(brand)] = None
    return limits


def forgotten_since(session: Session, seen: int, watermark: int) -> Forgotten:
    """The cells of the brands whose rows the lifecycle removed since the last complete pass:
    only cells that exist can hold removed rows, so the purged past shrinks to nothing."""
    out = Forgotten()
    for brand, before in _limits(session, seen, watermark).items():
        hours = select(ReportPostHour.hour).where(ReportPostHour.brand_id == brand).distinct()
        days = select(ReportCaseDay.day).where(ReportCaseDay.brand_id == brand)
        if before is not None:
            hours = hours.where(ReportPostHour.hour <= epoch_hour(before))
            days = days.where(ReportCaseDay.day <= day_number(before))
        out.hours |= set(session.scalars(hours))
        out.cells |= {(brand, day) for day in session.scalars(days)}
    return out
