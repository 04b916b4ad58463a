"""The supervisors' Escalations queue, and the case page's risk panel with its reasons."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from atdesk.accounts.access import choose_brand
from atdesk.accounts.deps import ReviewerViewer, Viewer
from atdesk.accounts.queries import users_by_id
from atdesk.cases.escalations import escalation_count, escalation_queue
from atdesk.cases.pages.case import add_case_panel
from atdesk.cases.risk import risk_threshold
from atdesk.domain.ids import parse_page
from atdesk.models import Case
from atdesk.models.base import utcnow
from atdesk.ui.deps import DbSession
from atdesk.ui.paging import Listing
from atdesk.ui.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def escalations_badge(session: Session, viewer: Viewer) -> dict[str, Any]:
    """The top bar's count of high-risk open cases (none for agents, who do not see the queue)."""
    waiting = escalation_count(session, viewer.brand_ids) if viewer.is_reviewer else 0
    return {"escalations_waiting": waiting}


def risk_panel(session: Session, viewer: Viewer, case: Case, composer: object) -> dict[str, Any]:
    """The case page's risk: score, reasons and the brand's threshold."""
    return {"risk_threshold": risk_threshold(case.brand.settings or {})}


add_case_panel(risk_panel)


@router.get("/escalations", response_class=HTMLResponse)
def escalations(
    request: Request,
    session: DbSession,
    viewer: ReviewerViewer,
    brand_id: str = "",
    page: str = "1",
) -> HTMLResponse:
    """Open cases at or above their brand's risk threshold, riskiest first, with the reasons."""
    choice = choose_brand(session, viewer.brand_ids, brand_id)
    number = parse_page(page)
    cases, total = escalation_queue(
        session,
        viewer.brand_ids,
        brand_id=choice.chosen_id,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    listing = Listing(list(cases), total, number, "", PAGE_SIZE)
    return render(
        request,
        "reputation/escalations.html",
        {
            "cases": cases,
            "assignees": users_by_id(session, {c.assignee_id for c in cases if c.assignee_id}),
            "total": total,
            "page": number,
            "pages": listing.pages,
            "brands": choice.brands,
            "brand": choice.chosen,
            "thresholds": {b.id: risk_threshold(b.settings or {}) for b in choice.brands},
            "now": utcnow(),
        },
        session=session,
    )
