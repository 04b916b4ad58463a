"""The brand's advocates (community members who answer other customers), and the case page's
panel of community answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from atdesk.accounts.access import choose_brand
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.cases.advocates import advocates, answer_url, case_answers
from atdesk.cases.pages.case import add_case_panel
from atdesk.domain.ids import parse_page
from atdesk.models import Case
from atdesk.ui.deps import DbSession
from atdesk.ui.paging import Listing
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
    choice = choose_brand(session, viewer.brand_ids, brand_id)
    number = parse_page(page)
    found, total = advocates(
        session,
        viewer.brand_ids,
        brand_id=choice.chosen_id,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    listing = Listing(list(found), total, number, "", PAGE_SIZE)
    return render(
        request,
        "reputation/advocates.html",
        {
            "advocates": found,
            "total": total,
            "page": number,
            "pages": listing.pages,
            "brands": choice.brands,
            "brand": choice.chosen,
        },
        session=session,
    )
