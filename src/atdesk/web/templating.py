"""Jinja2 templates with the filters every page uses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from atdesk.models.base import utcnow
from atdesk.web.csrf import csrf_token

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


templates.env.filters["age"] = age
templates.env.filters["duration"] = duration


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a page with the user and CSRF token every layout needs."""
    context = {"user": getattr(request.state, "user", None), "csrf": csrf_token(request), **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code)
