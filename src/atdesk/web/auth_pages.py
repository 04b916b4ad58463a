"""Logging in and out with a session cookie."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from atdesk.accounts.service import authenticate
from atdesk.web.csrf import check_csrf
from atdesk.web.deps import DbSession
from atdesk.web.ratelimit import SlidingWindowLimiter
from atdesk.web.templating import render

router = APIRouter(include_in_schema=False)


def login_limiter(request: Request) -> SlidingWindowLimiter:
    """The app's own limiter, so two apps in one process never share counts."""
    limiter: SlidingWindowLimiter = request.app.state.login_limiter
    return limiter


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
    client = request.client.host if request.client else "unknown"
    key = f"{client}|{username.lower()}"
    limiter = login_limiter(request)
    wait = limiter.retry_after(key)
    if wait > 0:
        return render(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "error": f"Too many attempts. Try again in {int(wait) + 1} s.",
            },
            status_code=429,
        )
    user = authenticate(session, username, password)
    if user is None:
        limiter.failed(key)
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": "Wrong username or password."},
            status_code=401,
        )
    limiter.reset(key)
    request.session.clear()
    request.session["user_id"] = user.id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> RedirectResponse:
    """End the session."""
    check_csrf(request, csrf_token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
