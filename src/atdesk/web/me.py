"""My settings: API tokens for scripts, and my password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from atdesk.accounts.passwords import WeakPassword, verify_password
from atdesk.accounts.service import create_token, list_tokens, revoke_token, set_password
from atdesk.accounts.teams import teams_of
from atdesk.web.deps import CsrfChecked, DbSession, PageViewer
from atdesk.web.templating import flash, render

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
    return RedirectResponse("/me#tokens", status_code=303)


@router.post("/tokens/{token_id}/revoke", dependencies=[CsrfChecked])
def revoke(
    token_id: int, request: Request, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Revoke one of my tokens; scripts using it stop working at once."""
    if revoke_token(session, viewer.user, token_id):
        flash(request, "Token revoked.")
    return RedirectResponse("/me#tokens", status_code=303)


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
    else:
        try:
            set_password(session, viewer.user, new, actor=viewer.user)
        except WeakPassword as exc:
            flash(request, str(exc), "error")
        else:
            flash(request, "Password changed.")
    return RedirectResponse("/me", status_code=303)
