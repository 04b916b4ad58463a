"""REST API for cases and posts (SPEC.md section 7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import func, select

from atdesk.cases.queries import CaseFilter, case_out, list_cases, post_out
from atdesk.cases.schemas import CaseOut, Page, PostOut
from atdesk.models import Case
from atdesk.models import Post as PostRow
from atdesk.web.deps import ApiUser, DbSession

router = APIRouter(prefix="/api/v1", tags=["cases"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/cases")
def get_cases(
    session: DbSession,
    _user: ApiUser,
    status: str | None = None,
    brand_id: int | None = None,
    intent: str | None = None,
    sentiment: str | None = None,
    priority: str | None = None,
    all_statuses: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CaseOut]:
    """Cases, most pressing first; open ones unless a status or all_statuses is given."""
    rows, total = list_cases(
        session,
        CaseFilter(
            status=status,
            open_only=not all_statuses,
            brand_id=brand_id,
            intent=intent,
            sentiment=sentiment,
            priority=priority,
        ),
        limit=limit,
        offset=offset,
    )
    return Page[CaseOut](items=[case_out(c) for c in rows], total=total, limit=limit, offset=offset)


@router.get("/cases/{case_id}")
def get_case(case_id: int, session: DbSession, _user: ApiUser) -> CaseOut:
    """One case."""
    case = session.get(Case, case_id)
    if case is None:
        raise HTTPException(status_code=404, detail=f"no case {case_id}")
    return case_out(case)


@router.get("/posts")
def get_posts(
    session: DbSession,
    _user: ApiUser,
    case_id: int | None = None,
    conversation_id: int | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PostOut]:
    """Posts in time order, optionally of one case or conversation."""
    query = select(PostRow)
    count = select(func.count(PostRow.id))
    if case_id is not None:
        query, count = (
            query.where(PostRow.case_id == case_id),
            count.where(PostRow.case_id == case_id),
        )
    if conversation_id is not None:
        query = query.where(PostRow.conversation_id == conversation_id)
        count = count.where(PostRow.conversation_id == conversation_id)
    rows = session.scalars(
        query.order_by(PostRow.created_at, PostRow.id).limit(limit).offset(offset)
    ).all()
    total = int(session.scalar(count) or 0)
    return Page[PostOut](items=[post_out(p) for p in rows], total=total, limit=limit, offset=offset)
