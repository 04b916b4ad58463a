"""The spike alerts page (open and recent alerts, acknowledging, a brand's settings) and the
inbox banner of open alerts (a top-bar part the app registers with `add_chrome`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible, choose_brand, visible_brand, visible_brands
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.domain.errors import AppError
from atdesk.domain.ids import RowId
from atdesk.insights.spikes import queries
from atdesk.insights.spikes.detect import SENSITIVITY_ALPHA
from atdesk.insights.spikes.schemas import SpikeAlertOut
from atdesk.insights.spikes.service import acknowledge, save_settings
from atdesk.insights.spikes.settings import SpikeSettingsError, spike_settings
from atdesk.insights.spikes.severity import Severity
from atdesk.models import SpikeAlert
from atdesk.storage.session import transaction
from atdesk.ui.deps import CsrfChecked, DbSession, Now
from atdesk.ui.forms import form_post
from atdesk.ui.templating import render, templates

router = APIRouter(prefix="/insights/alerts", include_in_schema=False)
PAGE_SIZE = 100
SECTION_SIZE = 20


def alerts_context(
    session: Session, viewer: Viewer, *, brand_id: int | None = None
) -> dict[str, Any]:
    """What `insights/_alerts.html` needs: the alerts of the viewer's brands and settings."""
    brands = list(visible_brands(session, viewer.brand_ids))
    rows, total = queries.list_alerts(
        session,
        queries.AlertFilter(brand_ids=viewer.brand_ids, brand_id=brand_id),
        limit=PAGE_SIZE,
    )
    return {
        "spike_alerts": queries.alerts_out(session, rows),
        "spike_alerts_total": total,
        "spike_brands": brands,
        "spike_settings_of": {b.id: spike_settings(b) for b in brands},
        "spike_sensitivities": list(SENSITIVITY_ALPHA),
        "spike_severities": [s.value for s in Severity],
    }


@router.get("", response_class=HTMLResponse)
def alerts_page(
    request: Request, session: DbSession, viewer: PageViewer, brand_id: str = ""
) -> HTMLResponse:
    """Spikes in the brands' posts: open alerts first, then the recent ones, and settings."""
    choice = choose_brand(session, viewer.brand_ids, brand_id)
    context = alerts_context(session, viewer, brand_id=choice.chosen_id)
    context["spike_brand"] = choice.chosen
    return render(request, "insights/alerts.html", context, session=session)


def _visible_alert(session: Session, viewer: Viewer, alert_id: int) -> SpikeAlert:
    alert = session.get(SpikeAlert, alert_id)
    if alert is None or (viewer.brand_ids is not None and alert.brand_id not in viewer.brand_ids):
        raise NotVisible(f"no spike alert {alert_id} in your brands")
    return alert


@router.post("/{spike_alert_id}/acknowledge", dependencies=[CsrfChecked])
def acknowledge_form(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    now: Now,
    spike_alert_id: RowId,
    back: Annotated[str, Form(max_length=300)] = "/insights/alerts",
) -> RedirectResponse:
    """Acknowledge one alert: you are on it, and the inbox banner stops showing it."""
    alert = _visible_alert(session, viewer, spike_alert_id)
    target = back if back.startswith("/") and not back.startswith("//") else "/insights/alerts"

    def change() -> str:
        acknowledge(session, alert, viewer.user, now=now)
        return f"Acknowledged: {alert.label}."

    return form_post(request, session, change, back=target, refused=(AppError,))


@router.post("/settings", dependencies=[CsrfChecked])
def save_settings_form(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: Annotated[RowId, Form()],
    min_posts: Annotated[str, Form(max_length=10)] = "10",
    sensitivity: Annotated[str, Form(max_length=16)] = "normal",
    min_severity: Annotated[str, Form(max_length=16)] = "medium",
    webhook_url: Annotated[str, Form(max_length=2000)] = "",
    webhook_secret: Annotated[str, Form(max_length=200)] = "",
    enabled: Annotated[str, Form(max_length=8)] = "",
) -> RedirectResponse:
    """Save one brand's spike settings (admins); a blank secret keeps the one set before."""
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin to change this")
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    changes = {
        "enabled": enabled == "on",
        "min_posts": min_posts.strip() or "10",
        "sensitivity": sensitivity,
        "min_severity": min_severity,
        "webhook_url": webhook_url,
        "webhook_secret": webhook_secret,
    }

    def change() -> str:
        save_settings(session, brand, changes, actor=viewer.user)
        return f"Spike alert settings saved for {brand.name}."

    return form_post(
        request,
        session,
        change,
        back=f"/insights/alerts?brand_id={brand.id}#settings",
        refused=(SpikeSettingsError,),
    )


def spike_alerts_of(request: Request, brand_id: int | None = None) -> list[SpikeAlertOut]:
    """The viewer's latest spike alerts, for a page that includes the alerts section without
    building its context (the Insights page)."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:
        return []
    with transaction(request.app.state.settings.database_url) as session:
        rows, _ = queries.list_alerts(
            session,
            queries.AlertFilter(brand_ids=viewer.brand_ids, brand_id=brand_id),
            limit=SECTION_SIZE,
        )
        return queries.alerts_out(session, rows)


def spike_banner(session: Session, viewer: Viewer) -> dict[str, Any]:
    """Open, unacknowledged spike alerts of the viewer's brands, for the inbox banner."""
    alerts = queries.open_alerts(session, viewer.brand_ids)
    return {"open_spike_alerts": queries.alerts_out(session, alerts) if alerts else []}


templates.env.globals["spike_alerts_of"] = spike_alerts_of
