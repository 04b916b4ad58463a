"""Request ids: X-Request-ID in and out, bound for every log line the request writes.

A caller's (or the reverse proxy's) X-Request-ID is kept when it is short and plain, else a
new one is made; the answer carries it either way, so a user's report, the proxy's access log
and atdesk's own logs name the same request. A route with a `case_id` in its path binds the
case too (`bind_case`).
"""

from __future__ import annotations

import logging
import time

from fastapi import Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atdesk.observability.context import CASE_ID, REQUEST_ID, accepted_id, new_id

HEADER = "X-Request-ID"
access_log = logging.getLogger("atdesk.web.access")


class RequestIds:
    """Binds a request id around each HTTP request, answers with it, and logs the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accepted_id(Headers(scope=scope).get(HEADER)) or new_id()
        request_token = REQUEST_ID.set(request_id)
        case_token = CASE_ID.set(None)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            CASE_ID.reset(case_token)
            REQUEST_ID.reset(request_token)


async def bind_case(request: Request) -> None:
    """A route about one case (`{case_id}` in its path) logs that case's id on every line."""
    value = request.path_params.get("case_id")
    if isinstance(value, int):
        CASE_ID.set(value)
    elif isinstance(value, str) and value.isdigit() and len(value) < 19:
        CASE_ID.set(int(value))
