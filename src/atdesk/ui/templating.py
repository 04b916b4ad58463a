"""Jinja2 templates with the filters every page uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from atdesk import __version__
from atdesk.domain.cases import sla_state
from atdesk.models import AgentProfile
from atdesk.models.base import utcnow
from atdesk.ui.csrf import csrf_token

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def age(value: datetime | None, now: datetime | None = None) -> str:
    """'3m', '5h', '2d', '8y': how long ago, in the unit an agent reads at a glance."""
    if value is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - value).total_seconds()))
    for unit, size in (("y", 31_536_000), ("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def duration(seconds: int | None) -> str:
    """A duration like '1h 05m' or '3d 4h'; empty when unknown."""
    if seconds is None:
        return ""
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m" if minutes else f"{seconds}s"


def due(value: datetime | None, now: datetime | None = None) -> str:
    """'in 12m' or '12m late': an SLA deadline as an agent reads it."""
    if value is None:
        return ""
    seconds = int((value - (now or utcnow())).total_seconds())
    span = age(utcnow() - timedelta(seconds=abs(seconds)), utcnow()) or "0s"
    return f"in {span}" if seconds > 0 else f"{span} late"


def sla_class(value: datetime | None, now: datetime | None = None) -> str:
    """The badge colour of a deadline: breached, warning or ok."""
    return sla_state(value, now or utcnow())


def web_link(value: object) -> bool:
    """Only an absolute http(s) address from a post becomes a link: never javascript:, data:,
    vbscript: or a relative path, whatever the network sent."""
    if not isinstance(value, str) or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


NETWORK_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}

templates.env.filters["age"] = age
templates.env.filters["duration"] = duration
templates.env.filters["due"] = due
templates.env.filters["sla_class"] = sla_class
templates.env.filters["network_name"] = lambda n: NETWORK_NAMES.get(n, n)
templates.env.globals["asset_version"] = __version__
templates.env.tests["web_link"] = web_link


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A one-time message for the next page (after a redirect)."""
    messages = list(request.session.get("flash", []))
    messages.append({"kind": kind, "text": message})
    request.session["flash"] = messages[-5:]


ChromePart = Callable[[Session, Any], dict[str, Any]]
# What capabilities above add to the top bar (the approvals badge); the app registers them.
CHROME_PARTS: list[ChromePart] = []


def add_chrome(part: ChromePart) -> None:
    """Let a capability show something in the top bar of every page (once per part)."""
    if part not in CHROME_PARTS:
        CHROME_PARTS.append(part)


def chrome(session: Session, request: Request) -> dict[str, Any]:
    """What the top bar shows on every page: presence and what the capabilities add."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:
        return {}
    profile = session.get(AgentProfile, viewer.user.id)
    parts: dict[str, Any] = {"presence": profile.presence if profile else "away"}
    for part in CHROME_PARTS:
        parts.update(part(session, viewer))
    return parts


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    *,
    session: Session | None = None,
) -> HTMLResponse:
    """Render a page with the user, CSRF token and top bar every layout needs."""
    context = {
        **(chrome(session, request) if session is not None else {}),
        "user": getattr(request.state, "user", None),
        "viewer": getattr(request.state, "viewer", None),
        "csrf": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        **context,
    }
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def back_to(request: Request, default: str = "/") -> str:
    """The same-site page the request came from (path and query only), else `default`."""
    parts = urlsplit(request.headers.get("referer") or "")
    if parts.netloc and parts.netloc != request.url.netloc:
        return default
    path = parts.path or default
    if not path.startswith("/") or path.startswith("//"):
        return default
    return path + (f"?{parts.query}" if parts.query else "")
