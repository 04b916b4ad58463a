"""Staff page listing the city reports filed for a brand and where each stands."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from atdesk.accounts.access import visible_brands
from atdesk.accounts.deps import PageViewer
from atdesk.automations.cityreports.queries import list_reports
from atdesk.automations.engine.deps import (
    automation_page,
)
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/automations", include_in_schema=False)


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, session: DbSession, viewer: PageViewer) -> HTMLResponse:
    """Field reports filed with the city and where each one stands."""
    return automation_page(
        request,
        session,
        "reports.html",
        "reports",
        None,
        list(visible_brands(session, viewer.brand_ids)),
        reports=list_reports(session, viewer.brand_ids),
    )
