"""REST API listing the city reports filed for a brand (SPEC.md §7)."""

from __future__ import annotations

from fastapi import APIRouter

from atdesk.accounts.deps import ApiViewer
from atdesk.automations.cityreports.queries import list_reports
from atdesk.automations.cityreports.schemas import Open311ReportOut
from atdesk.automations.engine.deps import (
    Limit,
)
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["automations"])


@router.get("/open311-reports")
def get_reports(
    session: DbSession, viewer: ApiViewer, limit: Limit = 200
) -> list[Open311ReportOut]:
    """Field reports filed with the city, newest first."""
    return [
        Open311ReportOut.model_validate(r)
        for r in list_reports(session, viewer.brand_ids, limit=limit)
    ]
