"""Saved inbox views: save the current filters, rename, reorder, share with a team, delete."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import PageViewer
from atdesk.accounts.queries import teams_by_name
from atdesk.cases.inbox import params_from
from atdesk.cases.saved_views import (
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
from atdesk.domain.ids import RowId, parse_id
from atdesk.models import Team
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import form_post
from atdesk.ui.templating import render

router = APIRouter(include_in_schema=False)
MANAGE = "/views"


@router.get(MANAGE, response_class=HTMLResponse)
def manage(request: Request, session: DbSession, viewer: PageViewer) -> HTMLResponse:
    """The viewer's saved views to change, and those shared with their teams to use."""
    listed = views_for(session, viewer.user, viewer.team_ids)
    return render(
        request,
        "saved_views.html",
        {
            "listed": [(item, params_from(item.view.filters).query(page=None)) for item in listed],
            "teams": teams_by_name(session, None if viewer.is_admin else list(viewer.team_ids))
            if viewer.is_reviewer
            else [],
        },
        session=session,
    )


@router.post(MANAGE, dependencies=[CsrfChecked])
def save(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    name: Annotated[str, Form()] = "",
    filters: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Save the inbox's current view, filters and search (sent as its query string) by name."""
    params = params_from(dict(parse_qsl(filters)))

    def store() -> str:
        view = save_view(session, name=name, filters=params.filters(), actor=viewer.user)
        return f"Saved view {view.name}."

    return form_post(
        request,
        session,
        store,
        back=f"/?{params.query(page=None)}",
        refused=(SavedViewError,),
        rollback=False,
    )


@router.post(f"{MANAGE}/{{view_id}}", dependencies=[CsrfChecked])
def change(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    view_id: RowId,
    action: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    team_id: Annotated[str, Form()] = "",
    filters: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Rename, move up or down, share, delete or refilter one of the viewer's own views.

    A view shared with the viewer is read-only (said on /views); one they cannot see is 404."""
    if not any(
        item.view.id == view_id for item in views_for(session, viewer.user, viewer.team_ids)
    ):
        raise NotVisible(f"no saved view {view_id} of yours or shared with your teams")
    params = params_from(dict(parse_qsl(filters))) if action == "filters" else None

    def apply() -> str | None:
        view = owned_view(session, viewer.user, view_id)
        if params is not None:
            update_filters(session, view, filters=params.filters(), actor=viewer.user)
            return f"Updated view {view.name} with these filters."
        if action == "rename":
            rename_view(session, view, name=name, actor=viewer.user)
            return f"Renamed to {view.name}."
        if action in ("up", "down"):
            move_view(session, view, by=-1 if action == "up" else 1, actor=viewer.user)
            return None
        if action == "share":
            team_key = parse_id(team_id)
            team = session.get(Team, team_key) if team_key is not None else None
            share_view(session, view, team=team, actor=viewer.user)
            return f"Shared {view.name} with {team.name}." if team else "Not shared."
        if action == "delete":
            delete_view(session, view, actor=viewer.user)
            return f"Deleted view {view.name}."
        raise SavedViewError(f"unknown action {action!r}")

    return form_post(
        request,
        session,
        apply,
        back=MANAGE,
        done=f"/?{params.query(page=None)}&saved={view_id}" if params is not None else None,
        refused=(SavedViewError,),
    )
