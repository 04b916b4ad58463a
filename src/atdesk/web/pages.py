"""The agent's pages: the inbox and the case page."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from atdesk.cases.queries import CaseFilter, case_audit, conversation_posts, list_cases
from atdesk.domain.triage import Intent, Priority, Sentiment
from atdesk.models import Brand, Case
from atdesk.web.deps import DbSession, PageUser
from atdesk.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/", response_class=HTMLResponse)
def inbox(
    request: Request,
    session: DbSession,
    _user: PageUser,
    status: str | None = None,
    brand_id: int | None = None,
    intent: str | None = None,
    sentiment: str | None = None,
    priority: str | None = None,
    page: int = 1,
) -> HTMLResponse:
    """Open cases, most pressing first, with brand, intent, sentiment, priority and age."""
    page = max(1, page)
    f = CaseFilter(
        status=status or None,
        brand_id=brand_id,
        intent=intent or None,
        sentiment=sentiment or None,
        priority=priority or None,
    )
    cases, total = list_cases(session, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    brands = session.scalars(select(Brand).order_by(Brand.name)).all()
    return render(
        request,
        "inbox.html",
        {
            "cases": cases,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "filters": f,
            "brands": brands,
            "intents": [i.value for i in Intent],
            "sentiments": [s.value for s in Sentiment],
            "priorities": [p.value for p in reversed(Priority)],
            "statuses": ["new", "open", "pending", "resolved"],
        },
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: int, request: Request, session: DbSession, _user: PageUser) -> HTMLResponse:
    """The whole conversation of a case, its labels, clocks and audit trail."""
    case = session.get(Case, case_id)
    if case is None:
        raise HTTPException(status_code=404, detail=f"no case {case_id}")
    return render(
        request,
        "case.html",
        {
            "case": case,
            "posts": conversation_posts(session, case.conversation_id),
            "audit": case_audit(session, case.id),
        },
    )
