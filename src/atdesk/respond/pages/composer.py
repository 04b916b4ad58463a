"""The composer on the case page: replies, moving to private messages, the live counter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.cases.access import visible_case
from atdesk.cases.advocates import answer_url, case_answers
from atdesk.cases.pages.case import add_case_panel, render_case
from atdesk.domain.errors import NotFound
from atdesk.domain.ids import MAX_ID, RowId, parse_id
from atdesk.models import Case
from atdesk.respond.limits import measure
from atdesk.respond.macros import macros_for
from atdesk.respond.outbox import Outbox
from atdesk.respond.pii import check_public_reply
from atdesk.respond.service import Outcome, ReplyRequest, known_pii, move_to_dm, submit_reply
from atdesk.respond.suggest import suggestions_for
from atdesk.respond.texts import community_thanks
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.templating import flash, render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Composer:
    """What the composer shows: mode, text kept after a refusal, and the last outcome."""

    mode: str = "public"
    text: str = ""
    outcome: Outcome | None = None
    reply_to_post_id: int | None = None


def outbox_of(request: Request) -> Outbox:
    """The app's outbox (the channel clients; tests may swap it)."""
    outbox: Outbox = request.app.state.outbox
    return outbox


def composer_panel(session: Session, viewer: Viewer, case: Case, state: object) -> dict[str, Any]:
    """The composer's part of the case page: its state (a mode string from the query, or the
    draft kept after a refusal), the counter for that text and the agent's macros."""
    if isinstance(state, Composer):
        composer = state
    else:
        composer = Composer(mode="private" if state == "private" else "public")
    measured = measure(
        case.network,
        composer.text,
        private=composer.mode == "private",
        recipient_handle=case.customer_author.handle,
    )
    return {
        "macros": macros_for(session, case, viewer.user),
        "composer": composer,
        "measured": measured,
    }


add_case_panel(composer_panel)


@router.get("/cases/{case_id}/suggestions", response_class=HTMLResponse)
def suggestions(
    case_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> HTMLResponse:
    """Suggested replies, fetched after the page so they never slow it down."""
    case = visible_case(session, viewer.user, case_id)
    found = suggestions_for(session, case, viewer.user)
    return render(request, "_suggestions.html", {"suggestions": found})


@router.post("/cases/{case_id}/reply", dependencies=[CsrfChecked], response_model=None)
def reply(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    text: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "public",
    version: Annotated[int, Form(ge=-1, le=MAX_ID)] = -1,
    reply_to_post_id: Annotated[str, Form()] = "",
    confirm_pii: Annotated[str, Form()] = "",
) -> Response:
    """Send (or hold) a reply; a refusal re-renders the page with the text kept and why."""
    case = visible_case(session, viewer.user, case_id)
    target = parse_id(reply_to_post_id)
    outcome = submit_reply(
        session,
        case,
        viewer.user,
        ReplyRequest(text, mode, version, target, confirm_pii == "1"),
        outbox_of(request),
    )
    if outcome.ok:
        flash(request, outcome.message, "ok" if outcome.status == "sent" else "warn")
        keep = "?mode=private" if mode == "private" else ""
        return RedirectResponse(f"/cases/{case.id}{keep}#composer", status_code=303)
    code = 409 if "while you were writing" in outcome.message else 422
    return render_case(
        request, session, viewer, case, Composer(mode, text, outcome, target), status_code=code
    )


@router.get("/cases/{case_id}/community-answers/{answer_id}/reply", response_class=HTMLResponse)
def point_to_answer(
    case_id: RowId, answer_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> HTMLResponse:
    """The composer filled with a public reply thanking the helper and linking their answer,
    to the customer's question; the agent edits it and sends it the normal way."""
    case = visible_case(session, viewer.user, case_id)
    answer = next((a for a in case_answers(session, case.id) if a.id == answer_id), None)
    if answer is None:
        raise NotFound(f"no community answer {answer_id} on case {case.id}")
    text = community_thanks(answer.author.handle, case.customer_author.handle, answer_url(answer))
    return render_case(
        request,
        session,
        viewer,
        case,
        Composer("public", text, None, answer.question_post_id),
    )


@router.post("/cases/{case_id}/move-to-dm", dependencies=[CsrfChecked], response_model=None)
def move_case_to_dm(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    version: Annotated[int, Form(ge=-1, le=MAX_ID)] = -1,
) -> Response:
    """One click: a public reply with the way into a private chat."""
    case = visible_case(session, viewer.user, case_id)
    outcome = move_to_dm(session, case, viewer.user, version, outbox_of(request))
    if outcome.ok:
        flash(request, f"Moved to private messages. {outcome.message}")
        return RedirectResponse(f"/cases/{case.id}?mode=private#composer", status_code=303)
    return render_case(
        request, session, viewer, case, Composer("public", "", outcome), status_code=422
    )


@router.post("/compose/measure", dependencies=[CsrfChecked])
def measure_draft(
    session: DbSession,
    viewer: PageViewer,
    case_id: Annotated[RowId, Form()],
    text: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "public",
) -> dict[str, Any]:
    """The live counter and PII warnings, computed with the same rules the send uses."""
    case = visible_case(session, viewer.user, case_id)
    private = mode == "private"
    measured = measure(
        case.network, text, private=private, recipient_handle=case.customer_author.handle
    )
    findings = []
    if not private and text.strip():
        allowed = (case.brand.settings or {}).get("public_contacts", [])
        findings = check_public_reply(text, known_pii(session, case), allowed=allowed)
    return {
        "length": measured.length,
        "limit": measured.limit,
        "remaining": measured.remaining,
        "valid": measured.valid,
        "rule": measured.rule,
        "pii": [{"kind": f.kind, "value": f.value, "customers": f.customers} for f in findings],
    }
