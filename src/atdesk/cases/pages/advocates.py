"""The brand's advocates (community members who answer other customers), and the case page's
panel of community answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible, visible_brands
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.cases.advocates import advocates, answer_url, case_answers
from atdesk.cases.pages.case import add_case_panel
from atdesk.domain.ids import parse_id, parse_page
from atdesk.models import Case
from atdesk.ui.deps import DbSession
from atdesk.ui.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100


def community_panel(
    session: Session, viewer: Viewer, case: Case, composer: object
) -> dict[str, Any]:
    """The community answers recognised in this case, each with its public address."""
    answers = case_answers(session, case.id)
    return {"community_answers": [(a, answer_url(a)) for a in answers]}


add_case_panel(community_panel)


@router.get("/advocates", response_class=HTMLResponse)
def advocates_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: str = "",
    page: str = "1",
) -> HTMLResponse:
    """Who answers the brand's customers in public, most answers first."""
    chosen_id = parse_id(brand_id)
    brands = list(visible_brands(session, viewer.brand_ids))
    if chosen_id is not None and chosen_id not in {b.id for b in brands}:
        raise NotVisible(f"no brand {chosen_id} in your brands")
    number = parse_page(page)
    found, total = advocates(
        session,
        viewer.brand_ids,
        brand_id=chosen_id,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    return render(
        request,
        "reputation/advocates.html",
        {
            "advocates": found,
            "total": total,
            "page": number,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "brands": brands,
            "brand": next((b for b in brands if b.id == chosen_id), None),
        },
        session=session,
    )
