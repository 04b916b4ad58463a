"""Logging in and out with a session cookie."""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from atdesk.accounts.deps import SESSION_ID_KEY, session_id_of
from atdesk.accounts.lockout import LoginLimits, LoginStanding
from atdesk.accounts.service import authenticate
from atdesk.accounts.sessions import end_session, start_session
from atdesk.ui.csrf import check_csrf
from atdesk.ui.deps import DbSession, request_now
from atdesk.ui.templating import render

router = APIRouter(include_in_schema=False)

WARN_WHEN_TRIES_LEFT = 2


def login_limits(request: Request) -> LoginLimits:
    """The app's own limits, so two apps in one process never share counts."""
    limits: LoginLimits = request.app.state.login_limits
    return limits


def wait_in_words(seconds: float) -> str:
    """'15 minutes', '1 minute', '40 seconds': a wait rounded up, as a person reads it."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(whole / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _what_locks(standing: LoginStanding) -> str:
    return "logging in from this address" if standing.by_address else "this login"


def wrong_password_message(standing: LoginStanding, limits: LoginLimits) -> str:
    """After a wrong username or password: how many tries are left when few are, or the lock.

    The same words whether or not the username exists, so the page reveals no usernames.
    """
    wrong = "Wrong username or password."
    what = _what_locks(standing)
    if standing.locked:
        wait = wait_in_words(standing.locked_for_s)
        return f"{wrong} Too many tries: {what} is locked for {wait}."
    left = standing.tries_left
    if left > WARN_WHEN_TRIES_LEFT:
        return wrong
    lockout = limits.per_address if standing.by_address else limits.per_login
    tries = f"{left} tr{'ies' if left != 1 else 'y'} left"
    return f"{wrong} {tries} before {what} is locked for {wait_in_words(lockout.lockout_s)}."


def locked_message(standing: LoginStanding) -> str:
    """While locked: say so, and how long to wait."""
    what = _what_locks(standing)
    return (
        f"Too many wrong passwords: {what} is locked. "
        f"Try again in {wait_in_words(standing.locked_for_s)}."
    )


def _safe_next(value: str | None) -> str:
    """Only same-site paths, so the login form cannot be used as an open redirect."""
    if not value:
        return "/"
    parsed = urlparse(value)
    if parsed.scheme or parsed.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The login page."""
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password, rate-limited per address and username; start a fresh session."""
    check_csrf(request, csrf_token)
    address = client_address(request)
    limits = login_limits(request)
    standing = limits.standing(address, username)
    if standing.locked:
        page = render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": locked_message(standing), "username": username},
            status_code=429,
        )
        page.headers["Retry-After"] = str(math.ceil(standing.locked_for_s))
        return page
    user = authenticate(session, username, password)
    if user is None:
        after = limits.failed(address, username)
        return render(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "error": wrong_password_message(after, limits),
                "username": username,
            },
            status_code=401,
        )
    limits.succeeded(address, username)
    session_id = start_session(
        session,
        user,
        now=request_now(request),
        user_agent=request.headers.get("user-agent", ""),
        address=address,
    )
    request.session.clear()
    request.session[SESSION_ID_KEY] = session_id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(
    request: Request, session: DbSession, csrf_token: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """End the session on the server, so a copy of the cookie stops working too."""
    check_csrf(request, csrf_token)
    session_id = session_id_of(request)
    if session_id is not None:
        end_session(session, session_id, now=request_now(request))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def client_address(request: Request) -> str:
    """The address the login limiter counts: the peer, or what a trusted proxy says it is."""
    return request.client.host if request.client else "unknown"
