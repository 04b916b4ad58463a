"""REST API for the callback queue (SPEC.md §7); every call is limited to the caller's brands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.automations.callbacks import service as callbacks
from atdesk.automations.callbacks.queries import callbacks_out, list_callbacks
from atdesk.automations.callbacks.schemas import CallbackOut, CallbackOutcomeIn, WindowIn
from atdesk.automations.engine.deps import (
    AppSettings,
    Limit,
    require_visible,
    viewed_brand,
)
from atdesk.automations.engine.settings import brand_config
from atdesk.domain.ids import Offset, RowId
from atdesk.models import (
    Callback,
)
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["automations"])


@router.get("/callbacks")
def get_callbacks(
    session: DbSession,
    viewer: ApiViewer,
    brand_id: RowId | None = None,
    status_in: Annotated[list[str] | None, Query(alias="status")] = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> list[CallbackOut]:
    """Callback requests, soonest window first."""
    rows = list_callbacks(
        session,
        viewer.brand_ids,
        brand_id=brand_id,
        statuses=status_in or (),
        limit=limit,
        offset=offset,
    )
    return callbacks_out(session, rows)


def _callback(session: Session, viewer: Viewer, callback_id: int) -> Callback:
    row = session.get(Callback, callback_id)
    if row is None:
        raise NotVisible(f"no callback {callback_id}")
    require_visible(viewer, row.brand_id, f"callback {callback_id}")
    return row


@router.get("/callbacks/{callback_id}")
def get_callback(session: DbSession, viewer: ApiViewer, callback_id: RowId) -> CallbackOut:
    """One callback."""
    return callbacks_out(session, [_callback(session, viewer, callback_id)])[0]


@router.post("/callbacks/{callback_id}/claim")
def claim_callback(session: DbSession, viewer: ApiViewer, callback_id: RowId) -> CallbackOut:
    """Take the callback (two agents cannot hold the same one)."""
    row = _callback(session, viewer, callback_id)
    callbacks.claim(session, row, viewer.user)
    return callbacks_out(session, [row])[0]


@router.post("/callbacks/{callback_id}/outcome")
def callback_outcome(
    session: DbSession,
    viewer: ApiViewer,
    settings: AppSettings,
    callback_id: RowId,
    body: CallbackOutcomeIn,
) -> CallbackOut:
    """Record what happened on the call (reached, no_answer, voicemail, wrong_number, cancelled)."""
    row = _callback(session, viewer, callback_id)
    brand = viewed_brand(session, viewer, row.brand_id)
    config = brand_config(session, brand, settings)
    callbacks.record_call(
        session, row, body.outcome, user=viewer.user, config=config, notes=body.notes
    )
    return callbacks_out(session, [row])[0]


@router.post("/callbacks/{callback_id}/reschedule")
def callback_reschedule(
    session: DbSession, viewer: ApiViewer, settings: AppSettings, callback_id: RowId, body: WindowIn
) -> CallbackOut:
    """Move the callback window."""
    row = _callback(session, viewer, callback_id)
    brand = viewed_brand(session, viewer, row.brand_id)
    config = brand_config(session, brand, settings)
    callbacks.reschedule(
        session, row, start=body.start, end=body.end, user=viewer.user, config=config
    )
    return callbacks_out(session, [row])[0]
