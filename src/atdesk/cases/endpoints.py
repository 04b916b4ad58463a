"""REST API for cases and posts (SPEC.md section 7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import func, select

from atdesk.cases.access import NotVisible, restrict, visible_case
from atdesk.cases.queries import CaseFilter, case_out, list_cases, post_out
from atdesk.cases.schemas import CaseOut, Page, PostOut
from atdesk.models import Case
from atdesk.models import Post as PostRow
from atdesk.web.deps import ApiViewer, DbSession

router = APIRouter(prefix="/api/v1", tags=["cases"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/cases")
def get_cases(
    session: DbSession,
    viewer: ApiViewer,
    status: str | None = None,
    brand_id: int | None = None,
    intent: str | None = None,
    sentiment: str | None = None,
    priority: str | None = None,
    language: str | None = None,
    network: str | None = None,
    tag: str | None = None,
    q: str | None = None,
    all_statuses: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CaseOut]:
    """Cases in your brands, most pressing first; open ones unless a status or all_statuses."""
    rows, total = list_cases(
        session,
        CaseFilter(
            status=status,
            open_only=not all_statuses,
            brand_id=brand_id,
            intent=intent,
            sentiment=sentiment,
            priority=priority,
            language=language,
            network=network,
            tag=tag,
            search=q,
            brand_ids=viewer.brand_ids,
        ),
        limit=limit,
        offset=offset,
    )
    return Page[CaseOut](items=[case_out(c) for c in rows], total=total, limit=limit, offset=offset)


@router.get("/cases/{case_id}")
def get_case(case_id: int, session: DbSession, viewer: ApiViewer) -> CaseOut:
    """One case of your brands."""
    try:
        return case_out(visible_case(session, viewer.user, case_id))
    except NotVisible as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


@router.get("/posts")
def get_posts(
    session: DbSession,
    viewer: ApiViewer,
    case_id: int | None = None,
    conversation_id: int | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PostOut]:
    """Posts in time order, optionally of one case or conversation."""
    query = select(PostRow)
    count = select(func.count(PostRow.id))
    if viewer.brand_ids is not None:
        mine = restrict(select(Case.id), viewer.brand_ids)
        query, count = (
            query.where(PostRow.case_id.in_(mine)),
            count.where(PostRow.case_id.in_(mine)),
        )
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
