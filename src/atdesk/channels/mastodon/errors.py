"""The one place where Mastodon's HTTP answers become channel errors."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import httpx

from atdesk.channels.errors import (
    AuthExpired,
    AuthRevoked,
    ChannelError,
    InvalidRequest,
    NotFound,
    NotPermitted,
    PermanentError,
    UnknownPost,
    throttled_or_down,
)
from atdesk.domain.networks import Network

MASTODON = Network.MASTODON
DEFAULT_429_WAIT = 300.0


def error_text(response: httpx.Response) -> str:
    """Mastodon's `{"error": "..."}` (and `error_description`), or the reason phrase."""
    try:
        body = json.loads(response.content or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = {}
    if isinstance(body, dict) and body.get("error"):
        detail = body.get("error_description")
        return f"{body['error']}: {detail}" if detail else str(body["error"])
    return response.reason_phrase or f"HTTP {response.status_code}"


def status_asked_for(response: httpx.Response) -> str | None:
    """The status a failed request needed: the one read (`GET /api/v1/statuses/:id`) or the
    one replied to (`in_reply_to_id` of `POST /api/v1/statuses`), from the request sent."""
    try:
        request = response.request
    except RuntimeError:  # a response built by hand, with no request behind it
        return None
    path = request.url.path
    if request.method == "GET" and path.startswith("/api/v1/statuses/"):
        return path.rsplit("/", 1)[-1] or None
    if request.method != "POST" or path.rstrip("/") != "/api/v1/statuses":
        return None
    body: Any
    try:
        body = json.loads(request.content or b"{}")
    except (ValueError, UnicodeDecodeError):
        form = parse_qs(request.content.decode("utf-8", "replace"))
        body = {k: v[-1] for k, v in form.items()}
    target = body.get("in_reply_to_id") if isinstance(body, dict) else None
    return str(target) if target else None


def map_mastodon_error(response: httpx.Response, now: float) -> ChannelError:
    """Classify one unsuccessful Mastodon response."""
    status = response.status_code
    text = error_text(response)
    if throttled := throttled_or_down(
        response, now, network=MASTODON, text=text, default_wait=DEFAULT_429_WAIT
    ):
        return throttled
    if status == 401:
        if "expired" in text.lower():
            return AuthExpired(text, network=MASTODON, status=status)
        return AuthRevoked(text, network=MASTODON, status=status)
    if status == 403:
        return NotPermitted(text, network=MASTODON, status=status)
    if status in {404, 410}:
        target = status_asked_for(response)
        if target:
            return UnknownPost(target, network=MASTODON, status=status)
        return NotFound(text, network=MASTODON, status=status)
    if status in {400, 422}:
        return InvalidRequest(text, network=MASTODON, status=status)
    return PermanentError(text, network=MASTODON, status=status)
