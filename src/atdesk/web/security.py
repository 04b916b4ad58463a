"""Security headers on every response, and session cookies marked Secure when served over HTTPS.

The pages load only the app's own scripts and styles (no inline script, no event-handler
attributes, no style attributes), so the policy allows nothing else; posts' media are shown as
links, never loaded. `frame-ancestors 'none'` and `X-Frame-Options: DENY` keep a logged-in page
out of any frame (clickjacking). A response that sets its own policy (the API docs page) keeps
it; the other headers are added everywhere: pages, API, webhooks, static files, errors.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Literal

from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
)

SESSION_COOKIE = "atdesk_session"
SECURE_SCHEMES = frozenset({"https", "wss"})


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response, unless a route set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers as the response starts (nothing is buffered)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_page_policy(html: str) -> str:
    """The policy for FastAPI's Swagger page: its CDN files and its one inline script, by hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    cdn = "https://cdn.jsdelivr.net"
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {cdn} {hashes}".strip(),
            f"style-src 'self' {cdn} 'unsafe-inline'",
            "img-src 'self' data: https://fastapi.tiangolo.com",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


class SessionCookies:
    """Starlette's signed-cookie session, its cookie `Secure` when the request came over HTTPS.

    HttpOnly and SameSite=Lax always. Whether a request is HTTPS is its scheme after the
    trusted-proxy middleware resolved it, or every request when the public URL is https.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        secret_key: str,
        max_age: int,
        always_secure: bool,
        same_site: Literal["lax", "strict", "none"] = "lax",
    ) -> None:
        self.always_secure = always_secure
        self.plain, self.secure = (
            SessionMiddleware(
                app,
                secret_key=secret_key,
                session_cookie=SESSION_COOKIE,
                max_age=max_age,
                same_site=same_site,
                https_only=https_only,
            )
            for https_only in (False, True)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the request to the cookie settings its scheme calls for."""
        secure = self.always_secure or scope.get("scheme") in SECURE_SCHEMES
        await (self.secure if secure else self.plain)(scope, receive, send)
