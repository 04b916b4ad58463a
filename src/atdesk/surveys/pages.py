"""The surveys page (per-brand response rate, CSAT and NPS, recent answers, settings) and the
customer panel's CSAT/NPS history on the case page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import object_session

from atdesk.accounts.access import choose_brand, visible_brand
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.domain.ids import RowId
from atdesk.models import Case
from atdesk.models.base import utcnow
from atdesk.surveys import queries
from atdesk.surveys.service import save_settings
from atdesk.surveys.settings import VARIABLES, SurveySettings, SurveySettingsError, survey_settings
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import form_post
from atdesk.ui.templating import render, templates

router = APIRouter(prefix="/surveys", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def surveys_page(
    request: Request, session: DbSession, viewer: PageViewer, brand_id: str = ""
) -> HTMLResponse:
    """How each brand's customers rate it, the latest answers, and (admins) the settings."""
    choice = choose_brand(session, viewer.brand_ids, brand_id)  # "": every brand
    brands, chosen, chosen_id = choice.brands, choice.chosen, choice.chosen_id
    return render(
        request,
        "surveys/index.html",
        {
            "brands": brands,
            "brand": chosen,
            "summaries": queries.summaries(
                session, viewer.brand_ids, now=utcnow(), brand_id=chosen_id
            ),
            "answers": queries.recent_answers(session, viewer.brand_ids, brand_id=chosen_id),
            "settings_of": {b.id: survey_settings(b) for b in brands},
            "variables": VARIABLES,
        },
        session=session,
    )


@router.post("/settings", dependencies=[CsrfChecked])
def save_settings_form(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: Annotated[RowId, Form()],
    kind: Annotated[str, Form()] = "",
    csat: Annotated[str, Form()] = "",
    nps: Annotated[str, Form()] = "",
    nps_every_days: Annotated[str, Form()] = "",
    every_days: Annotated[str, Form()] = "7",
    answer_days: Annotated[str, Form()] = "7",
    reopen_days: Annotated[str, Form()] = "",
    csat_text: Annotated[str, Form()] = "",
    nps_text: Annotated[str, Form()] = "",
    follow_up_text: Annotated[str, Form()] = "",
    enabled: Annotated[str, Form()] = "",
    skip_automated: Annotated[str, Form()] = "",
    follow_up: Annotated[str, Form()] = "",
    close_loop: Annotated[str, Form()] = "",
    loop_fields: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Save one brand's survey settings (admins); empty texts go back to the defaults.

    The form has a checkbox per question (CSAT, NPS); an older form's single `kind` is still
    understood, and its missing follow-up checkboxes leave those settings as they were."""
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin to change this")
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    changes: dict[str, Any] = {
        "enabled": enabled == "on",
        "skip_automated": skip_automated == "on",
        "every_days": every_days.strip() or "7",
        "answer_days": answer_days.strip() or "7",
    }
    if kind and not (csat or nps):
        changes["kind"] = kind
    else:
        changes["csat"], changes["nps"] = csat == "on", nps == "on"
    if loop_fields:
        changes["follow_up"], changes["close_loop"] = follow_up == "on", close_loop == "on"
    for name, value in (("nps_every_days", nps_every_days), ("reopen_days", reopen_days)):
        if value.strip():
            changes[name] = value.strip()
    defaults = SurveySettings()
    changes["csat_text"] = csat_text.strip() or defaults.csat_text
    changes["nps_text"] = nps_text.strip() or defaults.nps_text
    if loop_fields:
        changes["follow_up_text"] = follow_up_text.strip() or defaults.follow_up_text

    def save() -> str:
        save_settings(session, brand, changes, actor=viewer.user)
        return f"Survey settings saved for {brand.name}."

    return form_post(
        request,
        session,
        save,
        back=f"/surveys?brand_id={brand.id}#settings",
        refused=(SurveySettingsError,),
    )


def survey_history(case: Case, viewer: Viewer | None) -> queries.History | None:
    """The customer panel's CSAT/NPS history, read in the page's own transaction."""
    session = object_session(case)
    if session is None or viewer is None:
        return None
    return queries.customer_history(session, case, viewer.brand_ids)


templates.env.globals["survey_history"] = survey_history
