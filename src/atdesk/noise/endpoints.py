"""REST API for noise: each brand's block list (admins) and the review list of filtered posts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from sqlalchemy.orm import Session

from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.cases.schemas import Page
from atdesk.domain.errors import AppError
from atdesk.domain.ids import Offset, RowId
from atdesk.models import Brand
from atdesk.noise import queries
from atdesk.noise.deps import Publisher
from atdesk.noise.schemas import BlockEntryIn, BlockEntryOut, FilteredPostOut, RestoreOut
from atdesk.noise.service import add_block, remove_block, restorable_post, restore_post
from atdesk.ui.deps import DbSession, request_now

router = APIRouter(prefix="/api/v1", tags=["noise"])

Limit = Annotated[int, Query(ge=1, le=500)]
ReasonFilter = Annotated[
    str, Query(description="one of " + ", ".join(queries.REASONS) + "; empty for all")
]


def _admin_brand(session: Session, viewer: Viewer, brand_id: int) -> Brand:
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin to change this")
    brand = session.get(Brand, brand_id)
    if brand is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no brand {brand_id}")
    return brand


@router.get("/brands/{brand_id}/blocks")
def get_blocks(brand_id: RowId, session: DbSession, viewer: ApiViewer) -> list[BlockEntryOut]:
    """A brand's block list: users, keywords and patterns (admins)."""
    brand = _admin_brand(session, viewer, brand_id)
    return [BlockEntryOut.model_validate(e) for e in queries.block_entries(session, brand.id)]


@router.post("/brands/{brand_id}/blocks", status_code=status.HTTP_201_CREATED)
def post_block(
    brand_id: RowId, body: BlockEntryIn, request: Request, session: DbSession, viewer: ApiViewer
) -> BlockEntryOut:
    """Add an entry (admins); 422 says why a value or pattern is refused, 409 if it is there."""
    brand = _admin_brand(session, viewer, brand_id)
    entry = add_block(
        session,
        brand,
        kind=body.kind,
        value=body.value,
        note=body.note,
        actor=viewer.user,
        now=request_now(request),
    )
    return BlockEntryOut.model_validate(entry)


@router.delete("/brands/{brand_id}/blocks/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_block(brand_id: RowId, entry_id: RowId, session: DbSession, viewer: ApiViewer) -> None:
    """Remove an entry (admins); posts it filtered stay in the review list until restored."""
    brand = _admin_brand(session, viewer, brand_id)
    remove_block(session, brand, entry_id, actor=viewer.user)


@router.get("/filtered")
def get_filtered(
    session: DbSession,
    viewer: ApiViewer,
    reason: ReasonFilter = "",
    brand_id: RowId | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[FilteredPostOut]:
    """Posts of your brands the filter kept out of cases, and abuse-flagged ones, newest first."""
    if reason and reason not in queries.REASONS:
        raise AppError(f"unknown reason {reason!r}: use one of {', '.join(queries.REASONS)}")
    rows, total = queries.review_page(
        session, viewer.brand_ids, reason=reason, brand_id=brand_id, limit=limit, offset=offset
    )
    names = queries.brand_names(session, [p.brand_id for p in rows if p.brand_id])
    return Page[FilteredPostOut](
        items=[queries.filtered_out(p, names) for p in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("/filtered/{post_id}/restore")
def post_restore(
    post_id: RowId, session: DbSession, viewer: ApiViewer, publish: Publisher
) -> RestoreOut:
    """Put a filtered post into its case as if it had never been filtered (supervisors and
    admins); restoring it again changes nothing."""
    if not viewer.is_reviewer:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "supervisors and admins only")
    post = restorable_post(session, post_id, viewer.brand_ids)
    done = restore_post(session, post, actor=viewer.user, publish=publish)
    return RestoreOut(
        post_id=done.post_id, case_id=done.case_id, event=done.event, changed=done.changed
    )
