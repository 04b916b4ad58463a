"""The supervisors' queue of public replies waiting on sensitive cases: edit, approve, reject."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from atdesk.accounts.deps import ReviewerViewer, Viewer
from atdesk.cases.access import visible_case
from atdesk.domain.ids import RowId
from atdesk.models import ReplyDraft
from atdesk.respond.approvals import ApprovalError, pending_count, queue, reject
from atdesk.respond.pages.composer import outbox_of
from atdesk.respond.queries import decided_by
from atdesk.respond.service import approve
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.templating import flash, render

router = APIRouter(include_in_schema=False)


def approvals_badge(session: Session, viewer: Viewer) -> dict[str, Any]:
    """The top bar's count of replies waiting for a supervisor (none for agents)."""
    waiting = pending_count(session, viewer.brand_ids) if viewer.is_reviewer else 0
    return {"approvals_waiting": waiting}


@router.get("/approvals", response_class=HTMLResponse)
def approvals(request: Request, session: DbSession, viewer: ReviewerViewer) -> HTMLResponse:
    """Replies waiting, oldest first, with the case context a decision needs."""
    waiting = queue(session, viewer.brand_ids)
    decided = decided_by(session, viewer.user.id)
    cases = {d.case_id: visible_case(session, viewer.user, d.case_id) for d in waiting}
    return render(
        request,
        "approvals.html",
        {"waiting": waiting, "decided": decided, "cases": cases},
        session=session,
    )


def _draft(session: DbSession, viewer: ReviewerViewer, draft_id: int) -> ReplyDraft:
    draft = session.get(ReplyDraft, draft_id)
    if draft is None:
        raise HTTPException(404, f"no reply {draft_id}")
    visible_case(session, viewer.user, draft.case_id)
    return draft


@router.post("/approvals/{draft_id}/approve", dependencies=[CsrfChecked])
def approve_reply(
    draft_id: RowId,
    request: Request,
    session: DbSession,
    viewer: ReviewerViewer,
    text: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Send the reply, as written or as edited here."""
    draft = _draft(session, viewer, draft_id)
    try:
        outcome = approve(session, draft, viewer.user, outbox_of(request), text=text or None)
    except ApprovalError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, outcome.message, "ok" if outcome.status == "sent" else "error")
    return RedirectResponse("/approvals", status_code=303)


@router.post("/approvals/{draft_id}/reject", dependencies=[CsrfChecked])
def reject_reply(
    draft_id: RowId,
    request: Request,
    session: DbSession,
    viewer: ReviewerViewer,
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Send the reply back to its author with a note."""
    draft = _draft(session, viewer, draft_id)
    try:
        reject(session, draft, viewer.user, note)
    except ApprovalError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, "Rejected; the agent sees your note on the case.")
    return RedirectResponse("/approvals", status_code=303)
