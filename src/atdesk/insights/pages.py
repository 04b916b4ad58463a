"""The insights pages: the viewer's brands' emerging issues, and one issue in full."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from atdesk.accounts.access import NotVisible, choose_brand
from atdesk.accounts.deps import PageViewer
from atdesk.domain.errors import AppError
from atdesk.domain.ids import parse_id
from atdesk.insights.issues import queries
from atdesk.ui.deps import DbSession
from atdesk.ui.templating import render

router = APIRouter(prefix="/insights", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def insights_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: str = "",
    status: str = "open",
) -> HTMLResponse:
    """What customers of your brands are writing about now: the emerging issues."""
    if status not in queries.STATUSES:
        raise AppError(f"status must be one of {', '.join(queries.STATUSES)}")
    choice = choose_brand(session, viewer.brand_ids, brand_id)
    brands, chosen_id = choice.brands, choice.chosen_id
    rows, total = queries.list_issues(
        session, viewer.brand_ids, status=status, brand_id=chosen_id, limit=100
    )
    return render(
        request,
        "insights/index.html",
        {
            "brands": brands,
            "brand_id": chosen_id,
            "status": status,
            "statuses": queries.STATUSES,
            "issues": rows,
            "total": total,
        },
        session=session,
    )


@router.get("/issues/{issue_id}", response_class=HTMLResponse)
def issue_page(
    request: Request, session: DbSession, viewer: PageViewer, issue_id: str
) -> HTMLResponse:
    """One issue: example posts linking to their cases, brands, places, intents, volume."""
    found = parse_id(issue_id)
    if found is None:
        raise NotVisible(f"no issue {issue_id}")
    detail = queries.issue_detail(session, found, viewer.brand_ids)
    return render(request, "insights/issue.html", {"issue": detail}, session=session)
