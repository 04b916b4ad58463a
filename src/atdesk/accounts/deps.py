"""Who is asking: the signed-in user behind a token or a session, and what they may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from atdesk.accounts.access import team_brand_ids, user_team_ids, visible_brand_ids
from atdesk.accounts.service import user_for_token
from atdesk.accounts.sessions import session_user
from atdesk.domain.cases import Role
from atdesk.models import User
from atdesk.ui.csrf import check_csrf
from atdesk.ui.deps import DbSession, request_now


class LoginRequired(Exception):
    """Raised for a page request without a session: the app answers with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


SESSION_ID_KEY = "sid"


def session_id_of(request: Request) -> str | None:
    """The server-side session id the signed cookie carries, if any."""
    value = request.session.get(SESSION_ID_KEY)
    return value if isinstance(value, str) and value else None


def current_user_or_none(request: Request, session: Session) -> User | None:
    """The user behind a bearer token or a live server-side session, if any."""
    token = _bearer(request)
    if token:
        return user_for_token(session, token)
    session_id = session_id_of(request)
    if session_id is None:
        return None
    return session_user(session, session_id, now=request_now(request))


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def api_user(request: Request, session: DbSession) -> User:
    """API routes: a token or a session, else 401; a write on a browser session also needs
    its CSRF header (a token is not sent by browsers on their own, a cookie is)."""
    user = current_user_or_none(request, session)
    if user is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="authentication required: send 'Authorization: Bearer <token>' or log in",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if request.method in UNSAFE_METHODS and not _bearer(request):
        check_csrf(request, request.headers.get("x-csrf-token"))
    request.state.user = user
    return user


def page_user(request: Request, session: DbSession) -> User:
    """HTML pages: a session (or token), else a redirect to the login page."""
    user = current_user_or_none(request, session)
    if user is None:
        raise LoginRequired(
            str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        )
    request.state.user = user
    return user


ApiUser = Annotated[User, Depends(api_user)]


PageUser = Annotated[User, Depends(page_user)]


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person with what they may see: their brands (None: all) and teams."""

    user: User
    brand_ids: frozenset[int] | None
    team_ids: tuple[int, ...]
    team_brand_ids: frozenset[int] = frozenset()

    @property
    def is_admin(self) -> bool:
        """Admins manage people, brands and channels."""
        return self.user.role == Role.ADMIN.value

    @property
    def is_reviewer(self) -> bool:
        """Supervisors and admins approve replies on sensitive cases."""
        return self.user.role in (Role.SUPERVISOR.value, Role.ADMIN.value)


def _viewer(session: Session, user: User) -> Viewer:
    teams = tuple(user_team_ids(session, user))
    return Viewer(user, visible_brand_ids(session, user), teams, team_brand_ids(session, teams))


def page_viewer(request: Request, session: DbSession, user: PageUser) -> Viewer:
    """The viewer for an HTML page."""
    viewer = _viewer(session, user)
    request.state.viewer = viewer
    return viewer


def api_viewer(request: Request, session: DbSession, user: ApiUser) -> Viewer:
    """The viewer for an API call (token or session)."""
    return _viewer(session, user)


PageViewer = Annotated[Viewer, Depends(page_viewer)]


ApiViewer = Annotated[Viewer, Depends(api_viewer)]


def reviewer(viewer: PageViewer) -> Viewer:
    """Supervisor or admin pages: anyone else gets 403 with who to ask."""
    if not viewer.is_reviewer:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "supervisors and admins only")
    return viewer


def admin(viewer: PageViewer) -> Viewer:
    """Admin pages: anyone else gets 403."""
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin for access")
    return viewer


ReviewerViewer = Annotated[Viewer, Depends(reviewer)]


AdminViewer = Annotated[Viewer, Depends(admin)]
