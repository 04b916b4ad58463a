"""REST API for cases and posts (SPEC.md section 7)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from sqlalchemy import func, select

from atdesk.accounts.access import NotVisible, restrict
from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.cases import actions
from atdesk.cases.access import visible_case
from atdesk.cases.queries import (
    CaseFilter,
    HistoryScope,
    View,
    case_out,
    list_cases,
    post_out,
)
from atdesk.cases.schemas import (
    CaseOut,
    CaseUpdate,
    CorrectionOut,
    NoteCreate,
    Page,
    PostOut,
    ReplyCreate,
    ReplyOut,
    SuggestionOut,
)
from atdesk.domain.ids import Offset, RowId
from atdesk.domain.triage import Priority
from atdesk.models import Case, TriageCorrection, User
from atdesk.models import Post as PostRow
from atdesk.respond.automated import AutomatedBy, automated_posts
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.respond.suggest import suggestions_for
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["cases"])

Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/cases")
def get_cases(
    session: DbSession,
    viewer: ApiViewer,
    status: str | None = None,
    brand_id: RowId | None = None,
    intent: str | None = None,
    sentiment: str | None = None,
    priority: str | None = None,
    language: str | None = None,
    network: str | None = None,
    tag: str | None = None,
    q: str | None = None,
    all_statuses: bool = False,
    history: HistoryScope = HistoryScope.EXCLUDE,
    view: View = View.ALL,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CaseOut]:
    """Cases in your brands, most pressing first; open ones unless a status or all_statuses.

    History cases (loaded by a history ingest, ADR 73) only with `history=include` or `only`.
    `view` is one of the inbox's views (`needs_review`: least confident intent first).
    """
    rows, total = list_cases(
        session,
        CaseFilter(
            status=status,
            open_only=not all_statuses,
            brand_id=brand_id,
            intent=intent,
            sentiment=sentiment,
            priority=priority,
            language=language,
            network=network,
            tag=tag,
            search=q,
            history=history,
            view=view,
            user_id=viewer.user.id,
            team_ids=viewer.team_ids,
            team_brand_ids=viewer.team_brand_ids,
            brand_ids=viewer.brand_ids,
        ),
        limit=limit,
        offset=offset,
    )
    return Page[CaseOut](items=[case_out(c) for c in rows], total=total, limit=limit, offset=offset)


@router.get("/cases/{case_id}")
def get_case(case_id: RowId, session: DbSession, viewer: ApiViewer) -> CaseOut:
    """One case of your brands."""
    try:
        return case_out(visible_case(session, viewer.user, case_id))
    except NotVisible as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


@router.get("/posts")
def get_posts(
    session: DbSession,
    viewer: ApiViewer,
    case_id: RowId | None = None,
    conversation_id: RowId | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PostOut]:
    """Posts in time order, optionally of one case or conversation."""
    query = select(PostRow)
    count = select(func.count(PostRow.id))
    if viewer.brand_ids is not None:
        mine = restrict(select(Case.id), viewer.brand_ids)
        query, count = (
            query.where(PostRow.case_id.in_(mine)),
            count.where(PostRow.case_id.in_(mine)),
        )
    if case_id is not None:
        query, count = (
            query.where(PostRow.case_id == case_id),
            count.where(PostRow.case_id == case_id),
        )
    if conversation_id is not None:
        query = query.where(PostRow.conversation_id == conversation_id)
        count = count.where(PostRow.conversation_id == conversation_id)
    rows = session.scalars(
        query.order_by(PostRow.created_at, PostRow.id).limit(limit).offset(offset)
    ).all()
    total = int(session.scalar(count) or 0)
    automated = automated_posts(session, [p.id for p in rows])
    items = [_with_rule(post_out(p), automated.get(p.id)) for p in rows]
    return Page[PostOut](items=items, total=total, limit=limit, offset=offset)


def _with_rule(out: PostOut, by: AutomatedBy | None) -> PostOut:
    """A post an automation sent says so, with its rule."""
    if by is None:
        return out
    return out.model_copy(
        update={
            "automated": True,
            "automation_rule_id": by.rule_id,
            "automation_rule": by.rule_name or None,
        }
    )


def _visible(session: DbSession, viewer: Viewer, case_id: int) -> Case:
    try:
        return visible_case(session, viewer.user, case_id)
    except NotVisible as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


@router.patch("/cases/{case_id}")
def update_case(
    case_id: RowId, change: CaseUpdate, session: DbSession, viewer: ApiViewer
) -> CaseOut:
    """Assign, set priority, tag, escalate, resolve or reopen: what the case page does."""
    case = _visible(session, viewer, case_id)
    try:
        if change.unassign:
            actions.assign(session, case, None, actor=viewer.user)
        elif change.assignee_id is not None:
            assignee = session.get(User, change.assignee_id)
            if assignee is None:
                raise actions.ActionError(f"no user {change.assignee_id}")
            actions.assign(session, case, assignee, actor=viewer.user)
        if change.priority is not None:
            actions.set_priority(session, case, Priority(change.priority), actor=viewer.user)
        if change.add_tags:
            actions.add_tags(session, case, change.add_tags, actor=viewer.user)
        for tag in change.remove_tags:
            actions.remove_tag(session, case, tag, actor=viewer.user)
        if change.escalated is not None:
            actions.set_escalated(session, case, change.escalated, actor=viewer.user)
        if change.status == "resolved":
            actions.resolve_case(session, case, actor=viewer.user)
        elif change.status == "open":
            actions.reopen(session, case, actor=viewer.user)
        elif change.status is not None:
            raise actions.ActionError("status can be set to 'resolved' or 'open'")
    except (actions.ActionError, ValueError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return case_out(case)


@router.post("/cases/{case_id}/notes", status_code=201)
def add_note(
    case_id: RowId, note: NoteCreate, session: DbSession, viewer: ApiViewer
) -> dict[str, int]:
    """An internal note on the case."""
    case = _visible(session, viewer, case_id)
    try:
        return {"id": actions.add_note(session, case, note.body, author=viewer.user).id}
    except actions.ActionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


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
    case = _visible(session, viewer, case_id)
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
    case = _visible(session, viewer, case_id)
    return [SuggestionOut.model_validate(s) for s in suggestions_for(session, case, viewer.user)]


@router.get("/triage-corrections")
def corrections(
    session: DbSession, viewer: ApiViewer, limit: Limit = 500, offset: Offset = 0
) -> Page[CorrectionOut]:
    """Labels agents corrected, newest first: the training data the next model learns from."""
    query = select(TriageCorrection)
    count = select(func.count(TriageCorrection.id))
    if viewer.brand_ids is not None:
        mine = restrict(select(Case.id), viewer.brand_ids)
        query = query.where(TriageCorrection.case_id.in_(mine))
        count = count.where(TriageCorrection.case_id.in_(mine))
    rows = session.scalars(
        query.order_by(TriageCorrection.id.desc()).limit(limit).offset(offset)
    ).all()
    return Page[CorrectionOut](
        items=[CorrectionOut.model_validate(r, from_attributes=True) for r in rows],
        total=int(session.scalar(count) or 0),
        limit=limit,
        offset=offset,
    )
