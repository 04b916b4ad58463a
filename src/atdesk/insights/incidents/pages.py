"""The incidents pages: the list, one incident (cases, updates and their deliveries, the update
form, close), "Make incident" from the inbox's selection, and the case page's incident panel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from atdesk.accounts.access import visible_brand, visible_brands
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.cases.pages.case import add_case_panel
from atdesk.domain.errors import AppError
from atdesk.domain.ids import RowId, parse_id
from atdesk.insights.incidents import queries
from atdesk.insights.incidents.matching import normalise_terms
from atdesk.insights.incidents.personalise import GREETING
from atdesk.insights.incidents.service import (
    LeadsOnly,
    check_lead,
    close_incident,
    create_from_cases,
    create_from_issue,
    issue_ref,
    visible_cases_of_one_brand,
)
from atdesk.insights.incidents.updates import (
    APPROVAL_SETTING,
    approval_required,
    approve_update,
    post_update,
    reject_update,
    set_update_approval,
)
from atdesk.models import Brand, Case, Incident
from atdesk.respond.macros import VARIABLES
from atdesk.ui.deps import CsrfChecked, DbSession, Now
from atdesk.ui.forms import form_post
from atdesk.ui.templating import render

router = APIRouter(prefix="/incidents", include_in_schema=False)

REFUSED = (AppError,)


@router.get("", response_class=HTMLResponse)
def incidents_page(
    request: Request, session: DbSession, viewer: PageViewer, status: str = "open"
) -> HTMLResponse:
    """Open (or closed) incidents in the viewer's brands, and updates waiting for approval."""
    chosen = status if status in ("open", "closed") else "open"
    rows, total = queries.incidents(session, viewer.brand_ids, status=chosen, limit=200)
    return render(
        request,
        "incidents/index.html",
        {
            "incidents": rows,
            "total": total,
            "status": chosen,
            "counts": queries.case_counts(session, [r.id for r in rows]),
            "brands": {r.brand_id: session.get(Brand, r.brand_id) for r in rows},
            "waiting": queries.pending_updates(session, viewer.brand_ids)
            if viewer.is_reviewer
            else [],
            "approval_of": {
                b: approval_required(b) for b in visible_brands(session, viewer.brand_ids)
            }
            if viewer.is_admin
            else {},
        },
        session=session,
    )


@router.post("/settings", dependencies=[CsrfChecked])
def approval_setting(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: Annotated[RowId, Form()],
    approval: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Admins: whether a brand's incident updates wait for a second supervisor."""
    if not viewer.is_admin:
        raise LeadsOnly("only admins change a brand's approval rules")
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    required = approval == "on"

    def save() -> str:
        set_update_approval(session, brand, required=required, actor=viewer.user)
        state = "wait for a second supervisor" if required else "go out when posted"
        return f"{brand.name}: incident updates now {state}."

    return form_post(request, session, save, back="/incidents", refused=REFUSED)


@router.post("/new", response_class=HTMLResponse, dependencies=[CsrfChecked])
def new_incident(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    case_ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads the default)
    issue_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The form to name an incident for the inbox's selection (or an issue) before making it."""
    check_lead(viewer.user)
    parsed = parse_id(issue_id)
    issue = issue_ref(session, parsed, viewer.brand_ids) if parsed is not None else None
    ids = [i for i in map(parse_id, case_ids) if i is not None]
    cases = [] if issue else visible_cases_of_one_brand(session, ids, viewer.brand_ids)
    return render(request, "incidents/new.html", {"cases": cases, "issue": issue}, session=session)


@router.post("", dependencies=[CsrfChecked])
def make_incident(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    now: Now,
    title: Annotated[str, Form(max_length=200)] = "",
    match_terms: Annotated[str, Form(max_length=2000)] = "",
    case_ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads the default)
    issue_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Make the incident and open its page."""
    check_lead(viewer.user)
    made: list[Incident] = []
    parsed = parse_id(issue_id)
    issue = issue_ref(session, parsed, viewer.brand_ids) if parsed is not None else None
    ids = [i for i in map(parse_id, case_ids) if i is not None]
    if issue is None and ids:
        # The brand wall before the form's refusals: another brand's case is not found (404).
        queries.check_visible(session, viewer.brand_ids, ids)

    def make() -> str:
        terms = normalise_terms([match_terms])
        if issue is not None:
            incident = create_from_issue(
                session,
                issue=issue,
                title=title,
                terms=terms or None,
                brand_ids=viewer.brand_ids,
                actor=viewer.user,
                now=now,
            )
        else:
            incident = create_from_cases(
                session,
                case_ids=ids,
                title=title,
                terms=terms,
                brand_ids=viewer.brand_ids,
                actor=viewer.user,
                now=now,
            )
        made.append(incident)
        return f"Incident made with its cases: {incident.title}."

    response = form_post(request, session, make, back="/incidents", refused=REFUSED)
    if made:
        return RedirectResponse(f"/incidents/{made[0].id}", status_code=303)
    return response


@router.get("/{incident_id}", response_class=HTMLResponse)
def incident_page(
    incident_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> HTMLResponse:
    """One incident: its cases, its updates with each customer's delivery, the forms."""
    incident = queries.visible_incident(session, viewer.brand_ids, incident_id)
    brand = session.get(Brand, incident.brand_id)
    return render(
        request,
        "incidents/incident.html",
        {
            "incident": incident,
            "brand": brand,
            "cases": queries.linked_cases(session, incident.id),
            "updates": queries.updates(session, incident.id),
            "variables": VARIABLES,
            "greeting": GREETING,
            "approval": bool((brand.settings or {}).get(APPROVAL_SETTING)) if brand else False,
        },
        session=session,
    )


@router.post("/{incident_id}/updates", dependencies=[CsrfChecked])
def post_update_form(
    incident_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    now: Now,
    text: Annotated[str, Form(max_length=2000)] = "",
    visibility: Annotated[str, Form()] = "public",
) -> RedirectResponse:
    """Post an update to every affected customer."""
    incident = queries.visible_incident(session, viewer.brand_ids, incident_id)
    check_lead(viewer.user)

    def post() -> str:
        update = post_update(
            session, incident, text=text, visibility=visibility, actor=viewer.user, now=now
        )
        if update.status == "pending":
            return "The update waits for a second supervisor's approval (brand rule)."
        return "Update queued for every affected customer; delivery states below."

    return form_post(request, session, post, back=f"/incidents/{incident.id}", refused=REFUSED)


@router.post("/{incident_id}/close", dependencies=[CsrfChecked])
def close_form(
    incident_id: RowId, request: Request, session: DbSession, viewer: PageViewer, now: Now
) -> RedirectResponse:
    """Close the incident and resolve its open cases."""
    incident = queries.visible_incident(session, viewer.brand_ids, incident_id)
    check_lead(viewer.user)

    def close() -> str:
        resolved = close_incident(session, incident, actor=viewer.user, now=now)
        return f"Incident closed; {resolved} case(s) resolved (their surveys follow)."

    return form_post(request, session, close, back=f"/incidents/{incident.id}", refused=REFUSED)


@router.post("/updates/{update_id}/approve", dependencies=[CsrfChecked])
def approve_form(
    update_id: RowId, request: Request, session: DbSession, viewer: PageViewer, now: Now
) -> RedirectResponse:
    """A second supervisor sends a held update out."""
    update = queries.visible_update(session, viewer.brand_ids, update_id)
    check_lead(viewer.user)

    def approve() -> str:
        sent = approve_update(session, update, reviewer=viewer.user, now=now)
        return f"Approved; queued for {len(sent)} customer(s)."

    back = f"/incidents/{update.incident_id}"
    return form_post(request, session, approve, back=back, refused=REFUSED)


@router.post("/updates/{update_id}/reject", dependencies=[CsrfChecked])
def reject_form(
    update_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    now: Now,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    """Send a held update back with a note."""
    update = queries.visible_update(session, viewer.brand_ids, update_id)
    check_lead(viewer.user)

    def reject() -> str:
        reject_update(session, update, reviewer=viewer.user, note=note, now=now)
        return "Rejected; the author sees your note on the incident."

    back = f"/incidents/{update.incident_id}"
    return form_post(request, session, reject, back=back, refused=REFUSED)


def incident_panel(
    session: Session, viewer: Viewer, case: Case, composer: object
) -> dict[str, Any]:
    """The case page's list of incidents this case belongs to (same brand as the case)."""
    return {"case_incidents": queries.incidents_of_case(session, case.id)}


def incidents_waiting(session: Session, viewer: Viewer) -> dict[str, Any]:
    """The approvals page's held incident updates (reviewers only)."""
    if not viewer.is_reviewer:
        return {"incident_updates_waiting": []}
    return {"incident_updates_waiting": queries.pending_updates(session, viewer.brand_ids)}


add_case_panel(incident_panel)
