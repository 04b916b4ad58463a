"""REST API for spike alerts: the list, acknowledging one, and a brand's spike settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy.orm import Session

from atdesk.accounts.access import visible_brand
from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.cases.schemas import Page
from atdesk.domain.errors import NotFound
from atdesk.domain.ids import Offset, RowId
from atdesk.insights.spikes import queries
from atdesk.insights.spikes.schemas import SpikeAlertOut, SpikeSettingsOut, SpikeSettingsUpdate
from atdesk.insights.spikes.service import acknowledge, save_settings
from atdesk.insights.spikes.settings import spike_settings
from atdesk.models import SpikeAlert
from atdesk.ui.deps import DbSession, Now

router = APIRouter(prefix="/api/v1/alerts", tags=["insights"])

Limit = Annotated[int, Query(ge=1, le=500)]
Status = Annotated[str | None, Query(pattern="^(open|closed)$")]


def _alert(session: Session, viewer: Viewer, alert_id: int) -> SpikeAlert:
    alert = session.get(SpikeAlert, alert_id)
    if alert is None or (viewer.brand_ids is not None and alert.brand_id not in viewer.brand_ids):
        raise NotFound(f"no spike alert {alert_id} in your brands")
    return alert


@router.get("")
def get_alerts(
    session: DbSession,
    viewer: ApiViewer,
    brand_id: RowId | None = None,
    status: Status = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SpikeAlertOut]:
    """Spike alerts of your brands, open ones first, then the newest."""
    if brand_id is not None:
        visible_brand(session, viewer.brand_ids, brand_id)
    rows, total = queries.list_alerts(
        session,
        queries.AlertFilter(brand_ids=viewer.brand_ids, brand_id=brand_id, status=status),
        limit=limit,
        offset=offset,
    )
    return Page[SpikeAlertOut](
        items=queries.alerts_out(session, rows), total=total, limit=limit, offset=offset
    )


@router.get("/{spike_alert_id}")
def get_alert(spike_alert_id: RowId, session: DbSession, viewer: ApiViewer) -> SpikeAlertOut:
    """One spike alert."""
    return queries.alerts_out(session, [_alert(session, viewer, spike_alert_id)])[0]


@router.post("/{spike_alert_id}/acknowledge")
def post_acknowledge(
    spike_alert_id: RowId, session: DbSession, viewer: ApiViewer, now: Now
) -> SpikeAlertOut:
    """Say someone is on it (the inbox banner stops showing it); 409 if already done."""
    alert = acknowledge(session, _alert(session, viewer, spike_alert_id), viewer.user, now=now)
    return queries.alerts_out(session, [alert])[0]


@router.get("/settings/{brand_id}")
def get_settings(brand_id: RowId, session: DbSession, viewer: ApiViewer) -> SpikeSettingsOut:
    """A brand's spike settings."""
    return queries.settings_out(
        brand_id, spike_settings(visible_brand(session, viewer.brand_ids, brand_id))
    )


@router.put("/settings/{brand_id}")
def put_settings(
    brand_id: RowId, body: SpikeSettingsUpdate, session: DbSession, viewer: ApiViewer
) -> SpikeSettingsOut:
    """Change a brand's spike settings (admins); the change is audited on the brand."""
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin to change this")
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    saved = save_settings(session, brand, body.model_dump(exclude_none=True), actor=viewer.user)
    return queries.settings_out(brand.id, saved)
