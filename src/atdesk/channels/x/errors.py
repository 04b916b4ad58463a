"""The one place where X's HTTP answers become channel errors."""

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
    UnknownPost,
    throttled_or_down,
)
from atdesk.domain.networks import Network

X = Network.X
DEFAULT_429_WAIT = 60.0


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The RFC 7807 problem (or v1.1 `errors`) in an error body; empty when unreadable."""
    try:
        body = json.loads(response.content or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def describe(problem: dict[str, Any], fallback: str) -> str:
    """The most useful human text in a problem body."""
    errors = problem.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        text = first.get("message") or first.get("detail") or first.get("title")
        if text:
            return str(text)
    return str(problem.get("detail") or problem.get("title") or fallback)


def problem_type(problem: dict[str, Any]) -> str:
    """The problem type's last path segment (`api.twitter.com` and `api.x.com` both occur)."""
    return str(problem.get("type") or "").rstrip("/").rsplit("/", 1)[-1]


def replied_to(response: httpx.Response) -> str | None:
    """The post a refused `POST /2/tweets` answered, read back from the request that was sent."""
    try:
        request = response.request
    except RuntimeError:  # a response built by hand, with no request behind it
        return None
    if request.method != "POST" or not request.url.path.endswith("/2/tweets"):
        return None
    try:
        body = json.loads(request.content or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    reply = body.get("reply") if isinstance(body, dict) else None
    target = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
    return str(target) if target else None


def says_post_is_missing(problem: dict[str, Any], text: str) -> bool:
    """X's ways of saying the post replied to is not there: "not found", "does not exist",
    "deleted or not visible to you", or a resource-not-found problem."""
    said = f"{text} {problem.get('detail') or ''}".lower()
    return problem_type(problem) == "resource-not-found" or any(
        phrase in said for phrase in ("not found", "does not exist", "deleted or not visible")
    )


def map_x_error(response: httpx.Response, now: float) -> ChannelError:
    """Classify one unsuccessful X response."""
    status = response.status_code
    problem = problem_of(response)
    text = describe(problem, response.reason_phrase or f"HTTP {status}")
    kind = problem_type(problem)
    if throttled := throttled_or_down(
        response, now, network=X, text=text, default_wait=DEFAULT_429_WAIT
    ):
        return throttled
    if status == 401:
        return AuthExpired(text, network=X, status=status)
    target = replied_to(response)
    if target and status in {400, 403, 404} and says_post_is_missing(problem, text):
        return UnknownPost(target, network=X, status=status)
    if status == 403:
        if kind in {"client-forbidden", "unsupported-authentication"}:
            return AuthRevoked(text, network=X, status=status)
        return NotPermitted(text, network=X, status=status)
    if status == 404:
        return NotFound(text, network=X, status=status)
    if status in {400, 409, 422}:
        return InvalidRequest(text, network=X, status=status)
    return PermanentError(text, network=X, status=status)
