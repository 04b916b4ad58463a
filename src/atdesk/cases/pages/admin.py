"""Admin pages for how cases are handled: sensitivity rules, SLA targets, hours, holidays."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from atdesk.accounts.deps import AdminViewer
from atdesk.brands.pages import brand_or_404, brand_section
from atdesk.brands.queries import brands_working_first
from atdesk.cases.brand_listening import update_listening_from_form
from atdesk.cases.brand_rules import BrandRuleError, update_rules
from atdesk.cases.calendar import week_from_json
from atdesk.cases.policies import (
    PolicyError,
    add_holiday,
    brand_targets,
    remove_holiday,
    set_hours,
    set_targets,
)
from atdesk.cases.queries import brand_holidays
from atdesk.cases.sla import Targets
from atdesk.domain.ids import RowId
from atdesk.domain.listening import ListeningError
from atdesk.domain.triage import Priority
from atdesk.models import (
    BusinessCalendar,
)
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import form_post
from atdesk.ui.templating import render

router = APIRouter(prefix="/admin", include_in_schema=False)


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@router.post("/brands/{brand_id}/rules", dependencies=[CsrfChecked])
def brand_rules(
    brand_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    watched_handles: Annotated[str, Form()] = "",
    sensitive_keywords: Annotated[str, Form()] = "",
    approval_intents: Annotated[list[str], Form()] = [],  # noqa: B006
    high_reach_followers: Annotated[str, Form()] = "",
    public_contacts: Annotated[str, Form()] = "",
    risk_threshold: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Executives, sensitivity rules and the brand's own contacts."""
    brand = brand_or_404(session, brand_id)

    def save() -> str:
        update_rules(
            session,
            brand,
            watched_handles=watched_handles,
            sensitive_keywords=sensitive_keywords,
            approval_intents=approval_intents,
            high_reach_followers=high_reach_followers,
            public_contacts=public_contacts,
            actor=viewer.user,
            risk_threshold=risk_threshold,
        )
        return f"Saved the rules of {brand.name}."

    return form_post(
        request, session, save, back=brand_section(brand), refused=(BrandRuleError,), rollback=False
    )


@router.post("/brands/{brand_id}/listening", dependencies=[CsrfChecked])
def brand_listening(
    brand_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    terms: Annotated[str, Form(max_length=8000)] = "",
    exclusions: Annotated[str, Form(max_length=4000)] = "",
    executives: Annotated[str, Form(max_length=4000)] = "",
    brand_threads: Annotated[str, Form(max_length=8)] = "",
) -> RedirectResponse:
    """What the brand hears beyond its mentions: terms, exclusions, executives, its threads."""
    brand = brand_or_404(session, brand_id)

    def save() -> str:
        update_listening_from_form(
            session,
            brand,
            terms=terms,
            exclusions=exclusions,
            executives=executives,
            brand_threads=brand_threads in ("1", "on", "true"),
            actor=viewer.user,
        )
        return f"Saved what {brand.name} listens for."

    return form_post(
        request,
        session,
        save,
        back=brand_section(brand),
        refused=(ListeningError,),
        refusal="Not saved: {}",
        rollback=False,
    )


@router.get("/sla", response_class=HTMLResponse)
def sla(request: Request, session: DbSession, viewer: AdminViewer) -> HTMLResponse:
    """Each brand's targets by priority, opening hours and holidays (working brands first)."""
    all_brands = brands_working_first(session)
    chosen_id = request.query_params.get("brand_id", "")
    brand = next(
        (b for b in all_brands if str(b.id) == chosen_id), all_brands[0] if all_brands else None
    )
    context: dict[str, Any] = {"tab": "sla", "brands": all_brands, "brand": brand}
    if brand is not None:
        calendar = session.get(BusinessCalendar, brand.id)
        week = week_from_json(calendar.week) if calendar else {}
        context.update(
            targets=brand_targets(session, brand.id),
            priorities=[p.value for p in reversed(Priority)],
            timezone=calendar.timezone if calendar else "UTC",
            week=[(i, WEEKDAYS[i], week.get(i, [])[0] if week.get(i) else None) for i in range(7)],
            holidays=brand_holidays(session, brand.id),
        )
    return render(request, "admin/sla.html", context, session=session)


@router.post("/sla/{brand_id}/targets", dependencies=[CsrfChecked])
async def sla_targets(
    brand_id: RowId, request: Request, session: DbSession, viewer: AdminViewer
) -> RedirectResponse:
    """Targets in business minutes for each priority."""
    form = await request.form()
    brand = brand_or_404(session, brand_id)

    def save() -> str:
        targets = {
            p.value: Targets(
                int(str(form.get(f"{p.value}_first", "0")) or 0),
                int(str(form.get(f"{p.value}_next", "0")) or 0),
                int(str(form.get(f"{p.value}_resolution", "0")) or 0),
            )
            for p in Priority
        }
        set_targets(session, brand, targets, actor=viewer.user)
        return f"Saved SLA targets of {brand.name}; open cases follow them now."

    return form_post(
        request,
        session,
        save,
        back=f"/admin/sla?brand_id={brand_id}",
        refused=(PolicyError, ValueError),
        refusal="Not saved: {}",
    )


@router.post("/sla/{brand_id}/hours", dependencies=[CsrfChecked])
async def sla_hours(
    brand_id: RowId, request: Request, session: DbSession, viewer: AdminViewer
) -> RedirectResponse:
    """Opening hours per weekday in the brand's time zone (empty everywhere: 24/7)."""
    form = await request.form()
    brand = brand_or_404(session, brand_id)
    week: dict[str, list[list[str]]] = {}
    for i in range(7):
        start, end = str(form.get(f"d{i}_from", "")), str(form.get(f"d{i}_to", ""))
        if start and end:
            week[str(i)] = [[start, end]]

    def save() -> str:
        set_hours(
            session,
            brand,
            timezone=str(form.get("timezone", "UTC")).strip(),
            week=week,
            actor=viewer.user,
        )
        return f"Saved opening hours of {brand.name}."

    return form_post(
        request,
        session,
        save,
        back=f"/admin/sla?brand_id={brand_id}",
        refused=(PolicyError,),
        refusal="Not saved: {}",
    )


@router.post("/sla/{brand_id}/holidays", dependencies=[CsrfChecked])
def sla_holiday(
    brand_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    day: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    remove_day: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Add a holiday, or remove one."""
    brand = brand_or_404(session, brand_id)

    def change() -> None:
        when = date.fromisoformat(day)
        if remove_day == "1":
            remove_holiday(session, brand, when, actor=viewer.user)
        else:
            add_holiday(session, brand, when, name, actor=viewer.user)

    return form_post(
        request,
        session,
        change,
        back=f"/admin/sla?brand_id={brand_id}",
        refused=(PolicyError, ValueError),
        refusal="Not saved: {}",
    )
