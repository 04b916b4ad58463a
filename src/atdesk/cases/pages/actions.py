"""Changes an agent makes on the case page; each is a form post, audited, then back to the case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from atdesk.accounts.deps import PageViewer
from atdesk.cases import actions
from atdesk.cases.access import visible_case
from atdesk.cases.actions import ActionError
from atdesk.domain.ids import RowId, parse_id
from atdesk.domain.triage import Priority
from atdesk.models import Post, User
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.templating import flash

router = APIRouter(include_in_schema=False)


def _back(case_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/cases/{case_id}{anchor}", status_code=303)


@router.post("/cases/{case_id}/assign", dependencies=[CsrfChecked])
def assign(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    assignee_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Give the case to a teammate, to me, or to nobody."""
    case = visible_case(session, viewer.user, case_id)
    if assignee_id == "me":
        user: User | None = viewer.user
    else:
        user_id = parse_id(assignee_id)
        user = session.get(User, user_id) if user_id is not None else None
    try:
        if actions.assign(session, case, user, actor=viewer.user):
            flash(request, f"Assigned to {user.display_name}." if user else "Unassigned.")
    except ActionError as exc:
        flash(request, str(exc), "error")
    return _back(case.id)


@router.post("/cases/{case_id}/priority", dependencies=[CsrfChecked])
def priority(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    value: Annotated[str, Form()],
) -> RedirectResponse:
    """Set the priority by hand; the SLA clock follows."""
    case = visible_case(session, viewer.user, case_id)
    try:
        chosen = Priority(value)
    except ValueError:
        raise HTTPException(422, f"priority must be one of {', '.join(Priority)}") from None
    if actions.set_priority(session, case, chosen, actor=viewer.user):
        flash(request, f"Priority set to {chosen.value}.")
    return _back(case.id)


@router.post("/cases/{case_id}/tags", dependencies=[CsrfChecked])
def tag(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    tags: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Add tags."""
    case = visible_case(session, viewer.user, case_id)
    try:
        actions.add_tags(session, case, [tags], actor=viewer.user)
    except ActionError as exc:
        flash(request, str(exc), "error")
    return _back(case.id)


@router.post("/cases/{case_id}/tags/remove", dependencies=[CsrfChecked])
def untag(
    case_id: RowId,
    session: DbSession,
    viewer: PageViewer,
    tag: Annotated[str, Form()],
) -> RedirectResponse:
    """Take a tag off."""
    case = visible_case(session, viewer.user, case_id)
    actions.remove_tag(session, case, tag, actor=viewer.user)
    return _back(case.id)


@router.post("/cases/{case_id}/escalate", dependencies=[CsrfChecked])
def escalate(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    on: Annotated[str, Form()] = "1",
) -> RedirectResponse:
    """Escalate to supervisors, or take it back."""
    case = visible_case(session, viewer.user, case_id)
    if actions.set_escalated(session, case, on == "1", actor=viewer.user):
        flash(request, "Escalated to supervisors." if on == "1" else "Escalation removed.")
    return _back(case.id)


@router.post("/cases/{case_id}/sensitive", dependencies=[CsrfChecked])
def sensitive(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    on: Annotated[str, Form()] = "1",
) -> RedirectResponse:
    """Mark sensitive (public replies then need approval), or clear it (supervisors only)."""
    case = visible_case(session, viewer.user, case_id)
    if on != "1" and not viewer.is_reviewer:
        flash(request, "Only a supervisor can clear the sensitive mark.", "error")
        return _back(case.id)
    if actions.set_sensitive(session, case, on == "1", actor=viewer.user):
        flash(request, "Marked sensitive." if on == "1" else "No longer sensitive.")
    return _back(case.id)


@router.post("/cases/{case_id}/resolve", dependencies=[CsrfChecked])
def resolve(
    case_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Resolve now."""
    case = visible_case(session, viewer.user, case_id)
    if actions.resolve_case(session, case, actor=viewer.user):
        flash(request, f"Case {case.id} resolved.")
    return _back(case.id)


@router.post("/cases/{case_id}/reopen", dependencies=[CsrfChecked])
def reopen(
    case_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Open a resolved case again."""
    case = visible_case(session, viewer.user, case_id)
    if actions.reopen(session, case, actor=viewer.user):
        flash(request, f"Case {case.id} reopened.")
    return _back(case.id)


@router.post("/cases/{case_id}/notes", dependencies=[CsrfChecked])
def note(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    body: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Add an internal note."""
    case = visible_case(session, viewer.user, case_id)
    try:
        actions.add_note(session, case, body, author=viewer.user)
    except ActionError as exc:
        flash(request, str(exc), "error")
    return _back(case.id, "#notes")


@router.post("/posts/{post_id}/triage", dependencies=[CsrfChecked])
def correct(
    post_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    choice: Annotated[str, Form()] = "",
    field: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Correct a triage label ("field:value", or both apart); kept as training data."""
    if choice:
        field, _, value = choice.partition(":")
    post = session.get(Post, post_id)
    if post is None or post.case_id is None:
        raise HTTPException(404, f"no post {post_id} in a case")
    case = visible_case(session, viewer.user, post.case_id)
    try:
        if actions.correct_triage(session, post, field, value, user=viewer.user):
            flash(request, f"{field.capitalize()} corrected to {value}; saved for training.")
    except ActionError as exc:
        flash(request, str(exc), "error")
    return _back(case.id, f"#post-{post.id}")
