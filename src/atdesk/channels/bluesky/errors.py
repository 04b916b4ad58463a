"""The one place where XRPC answers become channel errors."""

from __future__ import annotations

import json
from typing import Any

import httpx

from atdesk.channels.errors import (
    AuthExpired,
    AuthRevoked,
    ChannelError,
    InvalidRequest,
    NotFound,
    NotPermitted,
    PermanentError,
    throttled_or_down,
)
from atdesk.domain.networks import Network

BLUESKY = Network.BLUESKY
DEFAULT_429_WAIT = 300.0
REFRESHABLE = frozenset({"ExpiredToken", "InvalidToken"})
NOT_FOUND = frozenset({"NotFound", "RecordNotFound", "HandleNotFound", "RecipientNotFound"})


def xrpc_error(response: httpx.Response) -> tuple[str, str]:
    """The `{"error": name, "message": text}` of an XRPC failure."""
    try:
        body: Any = json.loads(response.content or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    name = str(body.get("error") or "")
    message = str(body.get("message") or response.reason_phrase or f"HTTP {response.status_code}")
    return name, message


def map_bluesky_error(response: httpx.Response, now: float) -> ChannelError:
    """Classify one unsuccessful XRPC response."""
    status = response.status_code
    name, message = xrpc_error(response)
    text = f"{name}: {message}" if name else message
    if throttled := throttled_or_down(
        response,
        now,
        network=BLUESKY,
        text=text,
        default_wait=DEFAULT_429_WAIT,
        says_rate_limited=name == "RateLimitExceeded",
    ):
        return throttled
    if name in REFRESHABLE:
        return AuthExpired(text, network=BLUESKY, status=status)
    if status == 401 or name in {"AccountTakedown", "AuthenticationRequired"}:
        return AuthRevoked(text, network=BLUESKY, status=status)
    if status == 404 or name in NOT_FOUND:
        return NotFound(text, network=BLUESKY, status=status)
    if status == 403 or name in {
        "BlockedActor",
        "BlockedSubject",
        "MessagesDisabled",
        "NotFollowedBySender",
    }:
        return NotPermitted(text, network=BLUESKY, status=status)
    if status in {400, 413}:
        return InvalidRequest(text, network=BLUESKY, status=status)
    return PermanentError(text, network=BLUESKY, status=status)
