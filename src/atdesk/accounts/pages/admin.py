"""Admin pages for people: users and roles, teams with their members, brands and skills."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from atdesk.accounts.access import visible_brands
from atdesk.accounts.deps import AdminViewer, session_id_of
from atdesk.accounts.queries import (
    active_users,
    brands_by_team,
    members_by_team,
    profiles_of,
    team_names_by_user,
    teams_by_name,
    users_query,
)
from atdesk.accounts.service import AccountError, create_user, set_password, update_user
from atdesk.accounts.teams import create_team, set_auto_assign, set_brands, set_members, set_skills
from atdesk.domain.cases import Role
from atdesk.domain.ids import RowId
from atdesk.domain.triage import Intent
from atdesk.models import Team, User
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import form_post
from atdesk.ui.paging import listing_params, paginate
from atdesk.ui.templating import render

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: DbSession, viewer: AdminViewer) -> HTMLResponse:
    """Everyone who works in atdesk, their roles, teams and routing skills (a page at a time)."""
    q, page = listing_params(request)
    listing = paginate(session, users_query(q), q=q, page=page)
    people: list[User] = listing.items
    profiles = profiles_of(session, [u.id for u in people])
    return render(
        request,
        "admin/users.html",
        {
            "tab": "users",
            "listing": listing,
            "people": people,
            "profiles": profiles,
            "teams_of": team_names_by_user(session),
            "roles": [r.value for r in Role],
            "intents": [i.value for i in Intent],
        },
        session=session,
    )


@router.post("/users", dependencies=[CsrfChecked])
def add_user(
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
    display_name: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Create a login; the password is stored as an argon2 hash only."""

    def create() -> str:
        user = create_user(
            session,
            username=username.strip(),
            password=password,
            role=Role(role),
            display_name=display_name.strip(),
        )
        set_skills(session, user, languages=[], intents=[], capacity=8, actor=viewer.user)
        return f"Created {user.username} ({user.role})."

    # the account services raise ValueErrors
    return form_post(request, session, create, back="/admin/users", refused=(ValueError,))


@router.post("/users/{user_id}", dependencies=[CsrfChecked])
def edit_user(
    user_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    role: Annotated[str, Form()],
    display_name: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
    languages: Annotated[str, Form()] = "",
    intents: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads the default)
    capacity: Annotated[str, Form()] = "8",
    password: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Role, name, active, routing skills and capacity; a new password when one is typed."""
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(404, f"no user {user_id}")

    def save() -> str:
        update_user(
            session,
            user,
            actor=viewer.user,
            role=Role(role),
            display_name=display_name,
            active=active == "1",
        )
        set_skills(
            session,
            user,
            languages=languages.replace(",", " ").split(),
            intents=intents,
            capacity=int(capacity) if capacity.strip().isdigit() else -1,
            actor=viewer.user,
        )
        if password:
            mine = session_id_of(request) if user.id == viewer.user.id else None
            set_password(session, user, password, actor=viewer.user, keep_session=mine)
        return f"Saved {user.username}."

    # the account services raise ValueErrors
    return form_post(request, session, save, back="/admin/users", refused=(ValueError,))


@router.get("/teams", response_class=HTMLResponse)
def teams(request: Request, session: DbSession, viewer: AdminViewer) -> HTMLResponse:
    """Teams with their members and brands."""
    all_teams = teams_by_name(session)
    members = members_by_team(session)
    brands = brands_by_team(session)
    return render(
        request,
        "admin/teams.html",
        {
            "tab": "teams",
            "teams": all_teams,
            "members": members,
            "team_brands": brands,
            "people": active_users(session),
            "brands": visible_brands(session, None),
        },
        session=session,
    )


@router.post("/teams", dependencies=[CsrfChecked])
def add_team(
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    name: Annotated[str, Form()],
) -> RedirectResponse:
    """A new team (add members and brands next)."""

    def create() -> str:
        create_team(session, name, actor=viewer.user)
        return f"Team {name.strip()} created; now pick its members and brands."

    return form_post(
        request, session, create, back="/admin/teams", refused=(AccountError,), rollback=False
    )


@router.post("/teams/{team_id}", dependencies=[CsrfChecked])
def edit_team(
    team_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    members: Annotated[list[RowId], Form()] = [],  # noqa: B006
    brands: Annotated[list[RowId], Form()] = [],  # noqa: B006
    auto_assign: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Members, brands and round-robin routing of one team."""
    team = session.get(Team, team_id)
    if team is None:
        raise HTTPException(404, f"no team {team_id}")

    def save() -> str:
        set_members(session, team, members, actor=viewer.user)
        set_brands(session, team, brands, actor=viewer.user)
        set_auto_assign(session, team, auto_assign == "1", actor=viewer.user)
        return f"Saved team {team.name}."

    return form_post(request, session, save, back="/admin/teams", refused=(AccountError,))
