"""REST API for saved views (SPEC.md §7: the API does what the UI does), with the UI's own rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, HTTPException, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.cases.endpoints import Limit
from atdesk.cases.queries import case_out, inbox_counts, list_cases
from atdesk.cases.saved_view_schemas import (
    SavedViewCreate,
    SavedViewFilters,
    SavedViewOut,
    SavedViewUpdate,
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
from atdesk.cases.schemas import CaseOut, Page
from atdesk.domain.ids import Offset, RowId
from atdesk.models import Team
from atdesk.ui.deps import DbSession
from atdesk.web.inbox import params_from

router = APIRouter(prefix="/api/v1/saved-views", tags=["saved views"])


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


def _visible(session: Session, viewer: Viewer, view_id: int) -> tuple[Listed, list[int]]:
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


@router.get("")
def get_saved_views(session: DbSession, viewer: ApiViewer) -> list[SavedViewOut]:
    """Your views in your order, then those shared with your teams, each counted in your brands."""
    return _listed(session, viewer)


@router.post("", status_code=201)
def post_saved_view(body: SavedViewCreate, session: DbSession, viewer: ApiViewer) -> SavedViewOut:
    """Save filters under a name, last in your list, exactly as the inbox's Save view does."""
    with _refusals("name", body.name):
        view = save_view(
            session, name=body.name, filters=_inbox_filters(body.filters), actor=viewer.user
        )
    return _one(session, viewer, view.id)


@router.patch("/{view_id}")
def patch_saved_view(
    view_id: RowId, body: SavedViewUpdate, session: DbSession, viewer: ApiViewer
) -> SavedViewOut:
    """Rename, refilter, move or share (team_id null: unshare) one of your views; all or nothing."""
    _item, own = _visible(session, viewer, view_id)
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


@router.delete("/{view_id}", status_code=204)
def delete_saved_view(view_id: RowId, session: DbSession, viewer: ApiViewer) -> None:
    """Delete one of your own views; team members stop seeing it too."""
    _visible(session, viewer, view_id)
    with _refusals("id", view_id):
        delete_view(session, owned_view(session, viewer.user, view_id), actor=viewer.user)


@router.get("/{view_id}/cases")
def get_saved_view_cases(
    view_id: RowId, session: DbSession, viewer: ApiViewer, limit: Limit = 50, offset: Offset = 0
) -> Page[CaseOut]:
    """The view's cases in your brands, most pressing first, paged like /api/v1/cases."""
    item, _own = _visible(session, viewer, view_id)
    rows, total = list_cases(
        session, params_from(item.view.filters).filter_for(viewer), limit=limit, offset=offset
    )
    return Page[CaseOut](items=[case_out(c) for c in rows], total=total, limit=limit, offset=offset)
