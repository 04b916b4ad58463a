"""My settings: API tokens for scripts, my password, and where I am logged in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import PageViewer, session_id_of
from atdesk.accounts.passwords import WeakPassword, verify_password
from atdesk.accounts.service import create_token, list_tokens, revoke_token, set_password
from atdesk.accounts.sessions import end_user_sessions, is_session, live_sessions
from atdesk.accounts.teams import teams_of
from atdesk.domain.ids import RowId
from atdesk.models import ApiToken
from atdesk.ui.deps import CsrfChecked, DbSession, request_now
from atdesk.ui.forms import form_post, see_other
from atdesk.ui.templating import flash, render

router = APIRouter(prefix="/me", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def me(request: Request, session: DbSession, viewer: PageViewer) -> HTMLResponse:
    """My teams, tokens and password."""
    new_token = request.session.pop("new_token", None)
    return render(
        request,
        "me.html",
        {
            "tokens": list_tokens(session, viewer.user),
            "new_token": new_token,
            "teams": teams_of(session, viewer.user.id),
            "sessions": live_sessions(session, viewer.user, now=request_now(request)),
            "this_session": session_id_of(request),
            "is_session": is_session,
        },
        session=session,
    )


@router.post("/tokens", dependencies=[CsrfChecked])
def add_token(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    name: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A new API token, shown once."""
    request.session["new_token"] = create_token(session, viewer.user, name.strip()[:120])
    return see_other("/me#tokens")


@router.post("/tokens/{token_id}/revoke", dependencies=[CsrfChecked])
def revoke(
    token_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Revoke one of my tokens; scripts using it stop working at once."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != viewer.user.id:
        raise NotVisible(f"no token {token_id} of yours")
    if revoke_token(session, viewer.user, token_id):
        flash(request, "Token revoked.")
    return see_other("/me#tokens")


@router.post("/password", dependencies=[CsrfChecked])
def change_password(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
) -> RedirectResponse:
    """Change my password (the current one is asked first)."""
    if not verify_password(viewer.user.password_hash, current):
        flash(request, "The current password is wrong.", "error")
        return see_other("/me")

    def change() -> str:
        set_password(
            session,
            viewer.user,
            new,
            actor=viewer.user,
            keep_session=session_id_of(request),
            now=request_now(request),
        )
        return "Password changed. Your other sessions are logged out."

    return form_post(request, session, change, back="/me", refused=(WeakPassword,), rollback=False)


@router.post("/sessions/end", dependencies=[CsrfChecked])
def log_out_everywhere(
    request: Request, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """End every session of mine, this one too (a lost laptop, a shared computer)."""
    end_user_sessions(session, viewer.user.id, now=request_now(request))
    request.session.clear()
    return see_other("/login")
