"""REST API for cases and posts (SPEC.md section 7)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.cases import actions
from atdesk.cases.access import visible_case
from atdesk.cases.advocates import advocate_out, advocates, answer_out, case_answers
from atdesk.cases.automated import AutomatedBy, automated_posts
from atdesk.cases.escalations import escalation_queue
from atdesk.cases.inbox import params_from
from atdesk.cases.queries import (
    CaseFilter,
    HistoryScope,
    case_out,
    corrections_page,
    inbox_counts,
    list_cases,
    post_out,
    posts_page,
)
from atdesk.cases.saved_views import (
    Listed,
    NotAllowed,
    SavedViewError,
    delete_view,
    move_view,
    owned_view,
    rename_view,
    save_view,
    share_view,
    update_filters,
    views_for,
)
from atdesk.cases.schemas import (
    AdvocateOut,
    CaseOut,
    CaseUpdate,
    CommunityAnswerOut,
    CorrectionOut,
    NoteCreate,
    Page,
    PostOut,
    SavedViewCreate,
    SavedViewFilters,
    SavedViewOut,
    SavedViewUpdate,
)
from atdesk.domain.cases import View
from atdesk.domain.ids import Offset, RowId
from atdesk.domain.listening import HeardAs
from atdesk.domain.triage import Priority
from atdesk.models import Team, User
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
    spam: bool | None = None,
    abuse: bool | None = None,
    all_statuses: bool = False,
    history: HistoryScope = HistoryScope.EXCLUDE,
    view: View = View.ALL,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CaseOut]:
    """Cases in your brands, most pressing first; open ones unless a status or all_statuses.

    History cases (loaded by a history ingest, ADR 73) only with `history=include` or `only`.
    `view` is one of the inbox's views (`needs_review`: least confident intent first).
    `spam` / `abuse` true: cases holding a post triage flagged so; false: cases holding none.
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
            spam=spam,
            abuse=abuse,
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
    return case_out(visible_case(session, viewer.user, case_id))  # NotVisible answers 404


@router.get("/posts")
def get_posts(
    session: DbSession,
    viewer: ApiViewer,
    case_id: RowId | None = None,
    conversation_id: RowId | None = None,
    heard_as: HeardAs | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PostOut]:
    """Posts in time order, optionally of one case or conversation, or heard one way
    (mention, direct, term, executive, brand_thread; ADR 88)."""
    rows, total = posts_page(
        session,
        viewer.brand_ids,
        case_id=case_id,
        conversation_id=conversation_id,
        heard_as=heard_as.value if heard_as else None,
        limit=limit,
        offset=offset,
    )
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


@router.patch("/cases/{case_id}")
def update_case(
    case_id: RowId, change: CaseUpdate, session: DbSession, viewer: ApiViewer
) -> CaseOut:
    """Assign, set priority, tag, escalate, resolve or reopen: what the case page does."""
    case = visible_case(session, viewer.user, case_id)
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
    case = visible_case(session, viewer.user, case_id)
    return {"id": actions.add_note(session, case, note.body, author=viewer.user).id}


@router.get("/triage-corrections")
def corrections(
    session: DbSession, viewer: ApiViewer, limit: Limit = 500, offset: Offset = 0
) -> Page[CorrectionOut]:
    """Labels agents corrected, newest first: the training data the next model learns from."""
    rows, total = corrections_page(session, viewer.brand_ids, limit=limit, offset=offset)
    return Page[CorrectionOut](
        items=[CorrectionOut.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


saved_views_router = APIRouter(prefix="/api/v1/saved-views", tags=["saved views"])


@contextmanager
def _refusals(field: str, value: object) -> Iterator[None]:
    """The UI's refusals as API answers: 403 for what you may not do, else 422 on the field."""
    try:
        yield
    except NotAllowed as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except SavedViewError as exc:
        raise _invalid(field, value, str(exc)) from None


def _invalid(field: str, value: object, message: str) -> RequestValidationError:
    """FastAPI's own per-field 422 shape, so clients read one format for every refusal."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": value}]
    )


def _listed(session: Session, viewer: Viewer, *, only: int | None = None) -> list[SavedViewOut]:
    """The viewer's views (or just one) with live counts, counted in the inbox's one pass."""
    listed = views_for(session, viewer.user, viewer.team_ids)
    own = [item.view.id for item in listed if item.mine]
    chosen = [item for item in listed if only is None or item.view.id == only]
    params = {item.view.id: params_from(item.view.filters) for item in chosen}
    _builtin, counts = inbox_counts(
        session,
        params_from({}).filter_for(viewer),
        {view_id: p.filter_for(viewer) for view_id, p in params.items()},
    )
    return [_out(item, params[item.view.id].filters(), own, counts) for item in chosen]


def _out(
    item: Listed, filters: dict[str, str], own: list[int], counts: dict[int, int]
) -> SavedViewOut:
    """The API's view of one listed view, its position only where it is the viewer's to move."""
    view = item.view
    return SavedViewOut(
        id=view.id,
        name=view.name,
        filters=SavedViewFilters.model_validate(filters),
        mine=item.mine,
        owner_id=view.owner_user_id,
        team_id=view.team_id,
        team=item.team_name,
        position=own.index(view.id) if item.mine else None,
        count=counts[view.id],
    )


def _visible_view(session: Session, viewer: Viewer, view_id: int) -> tuple[Listed, list[int]]:
    """A view the viewer owns or sees through a team, and their own order; else 404 (NotVisible)."""
    listed = views_for(session, viewer.user, viewer.team_ids)
    own = [item.view.id for item in listed if item.mine]
    for item in listed:
        if item.view.id == view_id:
            return item, own
    raise NotVisible(f"no saved view {view_id} of yours or shared with your teams")


def _one(session: Session, viewer: Viewer, view_id: int) -> SavedViewOut:
    """One view as it reads after a change, counted like the list."""
    return _listed(session, viewer, only=view_id)[0]


def _inbox_filters(filters: SavedViewFilters) -> dict[str, str]:
    """Filters read as the inbox reads its query string, so the API keeps what the UI would."""
    sent = filters.model_dump(mode="json", exclude_none=True)
    return params_from({k: str(v) for k, v in sent.items()}).filters()


@saved_views_router.get("")
def get_saved_views(session: DbSession, viewer: ApiViewer) -> list[SavedViewOut]:
    """Your views in your order, then those shared with your teams, each counted in your brands."""
    return _listed(session, viewer)


@saved_views_router.post("", status_code=201)
def post_saved_view(body: SavedViewCreate, session: DbSession, viewer: ApiViewer) -> SavedViewOut:
    """Save filters under a name, last in your list, exactly as the inbox's Save view does."""
    with _refusals("name", body.name):
        view = save_view(
            session, name=body.name, filters=_inbox_filters(body.filters), actor=viewer.user
        )
    return _one(session, viewer, view.id)


@saved_views_router.patch("/{view_id}")
def patch_saved_view(
    view_id: RowId, body: SavedViewUpdate, session: DbSession, viewer: ApiViewer
) -> SavedViewOut:
    """Rename, refilter, move or share (team_id null: unshare) one of your views; all or nothing."""
    _item, own = _visible_view(session, viewer, view_id)
    with _refusals("id", view_id):
        view = owned_view(session, viewer.user, view_id)
    if body.name is not None:
        with _refusals("name", body.name):
            rename_view(session, view, name=body.name, actor=viewer.user)
    if body.filters is not None:
        update_filters(session, view, filters=_inbox_filters(body.filters), actor=viewer.user)
    if body.position is not None and body.position != own.index(view_id):
        move_view(session, view, by=body.position - own.index(view_id), actor=viewer.user)
    if "team_id" in body.model_fields_set:
        team = session.get(Team, body.team_id) if body.team_id is not None else None
        if body.team_id is not None and team is None:
            raise _invalid("team_id", body.team_id, f"no team {body.team_id}")
        with _refusals("team_id", body.team_id):
            share_view(session, view, team=team, actor=viewer.user)
    return _one(session, viewer, view_id)


@saved_views_router.delete("/{view_id}", status_code=204)
def delete_saved_view(view_id: RowId, session: DbSession, viewer: ApiViewer) -> None:
    """Delete one of your own views; team members stop seeing it too."""
    _visible_view(session, viewer, view_id)
    with _refusals("id", view_id):
        delete_view(session, owned_view(session, viewer.user, view_id), actor=viewer.user)


@saved_views_router.get("/{view_id}/cases")
def get_saved_view_cases(
    view_id: RowId, session: DbSession, viewer: ApiViewer, limit: Limit = 50, offset: Offset = 0
) -> Page[CaseOut]:
    """The view's cases in your brands, most pressing first, paged like /api/v1/cases."""
    item, _own = _visible_view(session, viewer, view_id)
    rows, total = list_cases(
        session, params_from(item.view.filters).filter_for(viewer), limit=limit, offset=offset
    )
    return Page[CaseOut](items=[case_out(c) for c in rows], total=total, limit=limit, offset=offset)


@router.get("/escalations")
def get_escalations(
    session: DbSession,
    viewer: ApiViewer,
    brand_id: RowId | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CaseOut]:
    """Open cases at or above their brand's risk threshold in your brands, riskiest first, each
    with `risk_score` and `risk_reasons` (supervisors and admins)."""
    if not viewer.is_reviewer:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "supervisors and admins only")
    rows, total = escalation_queue(
        session, viewer.brand_ids, brand_id=brand_id, limit=limit, offset=offset
    )
    return Page[CaseOut](items=[case_out(c) for c in rows], total=total, limit=limit, offset=offset)


@router.get("/cases/{case_id}/community-answers")
def get_community_answers(
    case_id: RowId, session: DbSession, viewer: ApiViewer
) -> list[CommunityAnswerOut]:
    """Other customers' replies recognised as answering this case's question, with why."""
    case = visible_case(session, viewer.user, case_id)
    return [answer_out(a) for a in case_answers(session, case.id)]


@router.get("/advocates")
def get_advocates(
    session: DbSession,
    viewer: ApiViewer,
    brand_id: RowId | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AdvocateOut]:
    """Community members who answer your brands' customers, most recognised answers first."""
    found, total = advocates(
        session, viewer.brand_ids, brand_id=brand_id, limit=limit, offset=offset
    )
    items = [advocate_out(a) for a in found]
    return Page[AdvocateOut](items=items, total=total, limit=limit, offset=offset)
