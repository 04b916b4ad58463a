"""REST API for replies: send one under the composer's rules, and the suggested answers."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request, Response

from atdesk.accounts.deps import ApiViewer
from atdesk.cases.access import visible_case
from atdesk.domain.ids import RowId
from atdesk.respond.schemas import ReplyCreate, ReplyOut, SuggestionOut
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.respond.suggest import suggestions_for
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post("/cases/{case_id}/replies")
def reply(
    case_id: RowId,
    body: ReplyCreate,
    request: Request,
    response: Response,
    session: DbSession,
    viewer: ApiViewer,
) -> ReplyOut:
    """Send a reply with the composer's rules (length, PII guard, claim, approval)."""
    case = visible_case(session, viewer.user, case_id)  # NotVisible answers 404
    outcome = submit_reply(
        session,
        case,
        viewer.user,
        ReplyRequest(body.text, body.mode, body.version, body.reply_to_post_id, body.confirm_pii),
        request.app.state.outbox,
    )
    if outcome.status == "refused":
        response.status_code = 409 if "while you were writing" in outcome.message else 422
    return ReplyOut(
        status=outcome.status,
        message=outcome.message,
        draft_id=outcome.draft.id if outcome.draft else None,
        post_id=outcome.post.id if outcome.post else None,
        network_id=outcome.post.native_id if outcome.post else None,
        findings=[asdict(f) for f in outcome.findings],
    )


@router.get("/cases/{case_id}/suggestions")
def get_suggestions(case_id: RowId, session: DbSession, viewer: ApiViewer) -> list[SuggestionOut]:
    """The case page's suggested replies: past answers with nothing of their customer,
    filled in for this one (same function as the page)."""
    case = visible_case(session, viewer.user, case_id)  # NotVisible answers 404
    return [SuggestionOut.model_validate(s) for s in suggestions_for(session, case, viewer.user)]
