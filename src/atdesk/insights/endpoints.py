"""REST API of insights: the viewer's brands' emerging issues."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import ApiViewer
from atdesk.cases.schemas import Page
from atdesk.domain.ids import Offset, RowId
from atdesk.insights.issues import queries
from atdesk.insights.schemas import (
    CountOut,
    DayOut,
    ExampleOut,
    HourOut,
    IssueDetailOut,
    IssueOut,
)
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1/issues", tags=["insights"])

Limit = Annotated[int, Query(ge=1, le=queries.LIST_LIMIT)]


def issue_out(row: queries.IssueRow) -> IssueOut:
    """The API view of an issue in a list."""
    return IssueOut(
        id=row.id,
        brand_id=row.brand_id,
        brand=row.brand,
        label=row.label,
        terms=row.terms,
        status=row.status,
        origin=row.origin,
        posts=row.posts,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        hours=[HourOut(hour=h.hour, posts=h.posts) for h in row.hours],
    )


@router.get("")
def get_issues(
    session: DbSession,
    viewer: ApiViewer,
    status: Literal["open", "closed", "all"] = "open",
    brand_id: RowId | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[IssueOut]:
    """Emerging issues of your brands, most recently active first, with the last 24 hours."""
    if brand_id is not None and viewer.brand_ids is not None and brand_id not in viewer.brand_ids:
        raise NotVisible(f"no brand {brand_id} in your brands")
    rows, total = queries.list_issues(
        session, viewer.brand_ids, status=status, brand_id=brand_id, limit=limit, offset=offset
    )
    return Page[IssueOut](
        items=[issue_out(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get("/{issue_id}")
def get_issue(session: DbSession, viewer: ApiViewer, issue_id: RowId) -> IssueDetailOut:
    """One issue: its newest posts, brands, places, intents, and volume by hour and by day."""
    detail = queries.issue_detail(session, issue_id, viewer.brand_ids)
    return IssueDetailOut(
        **issue_out(detail.row).model_dump(),
        examples=[
            ExampleOut(
                id=e.id,
                case_id=e.case_id,
                network=e.network,
                text=e.text,
                created_at=e.created_at,
                intent=e.intent,
            )
            for e in detail.examples
        ],
        brands=[CountOut(name=n, posts=c) for n, c in detail.brands],
        places=[CountOut(name=n, posts=c) for n, c in detail.places],
        intents=[CountOut(name=n, posts=c) for n, c in detail.intents],
        days=[DayOut(day=d, posts=c) for d, c in detail.days],
    )
