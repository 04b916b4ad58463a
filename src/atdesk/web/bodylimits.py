"""Request bodies are capped before they are read, so a huge POST cannot fill the server's memory.

A declared `Content-Length` over the address's cap is refused with 413 before the app runs at
all (no dependency opens a database session, no byte of the body is read). A body without a
length (chunked) is counted as it streams in, through Starlette's own limiter, which raises a
413 the moment the count passes the cap; the rest is never read.

Caps: 1 MiB for pages' forms and the JSON API; 4 MiB for X's webhook deliveries, whose size X
does not publish (one delivery carries a few events; a 25,000-character post quoting another,
with both authors, is well under 1 MiB even fully escaped, so 4 MiB leaves room); 16 MiB for
`POST /api/v1/events`, which takes a batch of posts (thousands of them in the ingest format).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MIB = 1024 * 1024
DEFAULT_CAP = 1 * MIB
X_WEBHOOK_CAP = 4 * MIB
EVENTS_API_CAP = 16 * MIB


@dataclass(frozen=True, slots=True)
class BodyCap:
    """A cap for every path that starts with `prefix`."""

    prefix: str
    max_bytes: int


ROUTE_CAPS: tuple[BodyCap, ...] = (
    BodyCap("/webhooks/x", X_WEBHOOK_CAP),
    BodyCap("/api/v1/events", EVENTS_API_CAP),
)


def in_words(size: int) -> str:
    """'1 MiB', '512 KiB', '900 bytes': a cap as people read it."""
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"


class BodyLimits:
    """ASGI middleware: each request body is held to its address's cap (the longest match)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int = DEFAULT_CAP,
        routes: Sequence[BodyCap] = ROUTE_CAPS,
    ) -> None:
        self.app = app
        self.default = default
        self.routes = sorted(routes, key=lambda cap: len(cap.prefix), reverse=True)
        caps = {default, *(cap.max_bytes for cap in routes)}
        self.counters = {cap: RequestBodyLimitMiddleware(app, max_body_size=cap) for cap in caps}

    def cap_for(self, path: str) -> int:
        """The cap of the most specific prefix matching this path, else the default."""
        for cap in self.routes:
            if path == cap.prefix or path.startswith(cap.prefix.rstrip("/") + "/"):
                return cap.max_bytes
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a declared oversize body at once; count the others as they arrive."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.cap_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            refusal = _refusal(declared.strip(), cap)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.counters[cap](scope, receive, send)


def _refusal(declared: str, cap: int) -> JSONResponse | None:
    """The answer to a declared length that cannot be accepted, or None to go on."""
    if not declared.isdigit():
        return JSONResponse(
            {"detail": f"Content-Length {declared[:40]!r} is not a number of bytes"},
            status_code=400,
            headers={"Connection": "close"},
        )
    if int(declared) > cap:
        return JSONResponse(
            {
                "detail": f"request body too large: {int(declared)} bytes, this address "
                f"takes at most {in_words(cap)} ({cap} bytes); send less or split it"
            },
            status_code=413,
            headers={"Connection": "close"},
        )
    return None
