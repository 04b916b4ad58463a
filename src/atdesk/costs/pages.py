"""The costs page (cost per resolution per brand and month against a phone contact, and the
settings form), and the activity heartbeat the case page sends."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from atdesk.accounts.access import NotVisible, may_lead_brand, visible_brand
from atdesk.accounts.deps import PageViewer
from atdesk.costs import queries
from atdesk.costs.money import display
from atdesk.costs.periods import PeriodError, add_months, checked, month_start, parse_bound
from atdesk.costs.service import beat, save_settings
from atdesk.costs.settings import CostSettingsError, cost_settings
from atdesk.domain.ids import RowId, parse_id
from atdesk.models.base import utcnow
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import form_post
from atdesk.ui.templating import render

router = APIRouter(include_in_schema=False)

DEFAULT_MONTHS = 6  # the page opens on this month and the five before it


@router.get("/costs", response_class=HTMLResponse)
def costs_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: str = "",
    since: str = "",
    until: str = "",
) -> HTMLResponse:
    """What a resolution costs per brand and month, and how that compares with a phone call."""
    chosen_id = parse_id(brand_id)
    if brand_id.strip() and chosen_id is None:
        raise NotVisible(f"no brand {brand_id!r} in your brands")
    if chosen_id is not None:
        visible_brand(session, viewer.brand_ids, chosen_id)
    error = None
    this_month = month_start(utcnow())
    try:
        start = parse_bound(since, end=False, name="since")
        end = parse_bound(until, end=True, name="until")
        checked(start, end)
    except PeriodError as exc:
        error, start, end = str(exc), None, None
    if start is None and end is None:
        start, end = add_months(this_month, 1 - DEFAULT_MONTHS), add_months(this_month, 1)
    view = queries.cost_view(session, viewer.brand_ids, brand_id=chosen_id, since=start, until=end)
    return render(
        request,
        "costs/index.html",
        {
            "view": view,
            "brand": next((b for b in view.brands if b.id == chosen_id), None),
            "since": since or (start.strftime("%Y-%m") if start else ""),
            "until": until or (add_months(end, -1).strftime("%Y-%m") if end else ""),
            "error": error,
            "settings_of": {b.id: cost_settings(b) for b in view.brands},
            "editable": {
                b.id for b in view.brands if may_lead_brand(viewer.user, viewer.brand_ids, b.id)
            },
            "money": display,
        },
        session=session,
    )


@router.post("/costs/settings", dependencies=[CsrfChecked])
def save_settings_form(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: Annotated[RowId, Form()],
    hourly_cost: Annotated[str, Form()] = "",
    bot_run_cost: Annotated[str, Form()] = "",
    phone_contact_cost: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "",
    idle_after_s: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Save one brand's cost settings (admins, the brand's supervisors); blanks stay as they are."""
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    if not may_lead_brand(viewer.user, viewer.brand_ids, brand.id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "supervisors and admins only; ask one to change this"
        )
    given = {
        "hourly_cost": hourly_cost,
        "bot_run_cost": bot_run_cost,
        "phone_contact_cost": phone_contact_cost,
        "currency": currency,
        "idle_after_s": idle_after_s,
    }
    changes = {k: v.strip() for k, v in given.items() if v.strip()}

    def save() -> str:
        save_settings(session, brand, changes, actor=viewer.user)
        return f"Cost settings saved for {brand.name}."

    return form_post(
        request,
        session,
        save,
        back=f"/costs?brand_id={brand.id}#settings",
        refused=(CostSettingsError,),
    )


@router.post("/cases/{case_id}/activity", dependencies=[CsrfChecked])
def case_activity(
    case_id: RowId,
    session: DbSession,
    viewer: PageViewer,
    kind: Annotated[str, Form()] = "viewing",
    fresh: Annotated[str, Form()] = "",
) -> JSONResponse:
    """A heartbeat from an active case page: credits the time since the last one (ADR 94);
    `fresh=1` (back from idle or a hidden tab) starts a new interval crediting nothing."""
    try:
        answer = beat(session, viewer.user, case_id, kind, now=utcnow(), fresh=fresh == "1")
    except CostSettingsError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    return JSONResponse(asdict(answer))
