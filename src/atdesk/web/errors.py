"""Errors in one place: a browser on a page gets a page in the app's layout, machines get JSON.

A request is a browser's page request when its path is not a machine path (the API, webhooks,
health, OpenAPI, static files) and it asks for HTML without preferring JSON; everything else
keeps FastAPI's JSON answers exactly (SPEC section 7). The status code never changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import LoginRequired
from atdesk.domain.errors import AppError
from atdesk.domain.ids import RowId
from atdesk.ui.templating import templates
from atdesk.web.security import SECURITY_HEADERS

MACHINE_PREFIXES = ("/api/", "/webhooks/", "/static/")
MACHINE_PATHS = frozenset({"/healthz", "/openapi.json", "/docs"})

TITLES = {
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Not available this way",
    422: "That did not go through",
    429: "Too many requests",
    500: "Something went wrong",
}

DEFAULT_MESSAGES = {
    401: "Log in to see this page.",
    403: "Your role does not allow this. Ask an admin if you need it.",
    404: "There is nothing at this address, or it is not in your brands.",
    405: "This address does not take that kind of request. Go back and use the page's buttons.",
    413: "What was sent is too large for this page. Go back and send less.",
    422: "Something in what was sent is missing or not valid. Go back and try again.",
    429: "Too many requests. Wait a moment and try again.",
    500: "Something went wrong on our side and nothing was changed. Try again in a moment; "
    "if it keeps happening, tell an admin.",
}


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API, not a script that asked for JSON)."""
    path = request.url.path
    if path in MACHINE_PATHS or path.startswith(MACHINE_PREFIXES) or path == "/api":
        return False
    accept = request.headers.get("accept", "").lower()
    return "text/html" in accept and not _prefers_json(accept)


def _prefers_json(accept: str) -> bool:
    """JSON named before HTML in the Accept header (browsers never name JSON at all)."""
    json_at = accept.find("application/json")
    return json_at != -1 and json_at < accept.find("text/html")


def _sentence(detail: str) -> str:
    """An error detail written for people ('admins only; ask an admin') as a sentence."""
    text = detail.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def error_page(
    request: Request,
    status_code: int,
    message: str = "",
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error page: status, a short human message, the way back; no session data needed.

    It renders without the signed-in user (the request's database session has already
    ended) and leaves flashed messages for the next real page.
    """
    title = TITLES.get(status_code) or _phrase(status_code) or "Error"
    context = {
        "title": title,
        "message": message or DEFAULT_MESSAGES.get(status_code, DEFAULT_MESSAGES[500]),
        "status_code": status_code,
        "login_url": "/login?next=" + quote(_path_and_query(request)),
        "user": None,
        "viewer": None,
        "csrf": "",
        "flashes": [],
    }
    return templates.TemplateResponse(
        request, "error.html", context, status_code=status_code, headers=dict(headers or {})
    )


def _path_and_query(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _human_detail(exc: StarletteHTTPException) -> str:
    """The detail when the app wrote it for people; empty for Starlette's bare status phrase."""
    detail = exc.detail
    if not isinstance(detail, str) or detail == _phrase(exc.status_code):
        return ""
    return _sentence(detail)


def _phrase(status_code: int) -> str:
    """The standard reason phrase ('Not Found'), empty for a code HTTP does not name."""
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return ""


def _fields(exc: RequestValidationError) -> list[str]:
    """The names of the fields that failed validation (never the values sent)."""
    names: list[str] = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        name = loc[-1] if loc else ""
        if name and name not in names:
            names.append(name)
    return names


async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """HTTPException (raised by routes, or by routing: 404, 405) as a page or as JSON."""
    if exc.status_code < 400 or not wants_page(request):
        return await http_exception_handler(request, exc)
    return error_page(request, exc.status_code, _human_detail(exc), exc.headers)


def _bad_path_only(exc: RequestValidationError) -> bool:
    """Only the path failed: an id no row can have (too big, negative, not a number)."""
    errors = exc.errors()
    return bool(errors) and all(tuple(e.get("loc", ()))[:1] == ("path",) for e in errors)


async def on_invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """422 for bad form or query values: FastAPI's per-field JSON, or a page naming the fields.

    A path whose id cannot exist answers 404, like an id that does not exist.
    """
    if _bad_path_only(exc):
        detail = f"nothing at {request.url.path}: no such {', '.join(_fields(exc))}"
        if wants_page(request):
            return error_page(request, 404, _sentence(detail))
        return JSONResponse({"detail": detail}, status_code=404)
    if not wants_page(request):
        return await request_validation_exception_handler(request, exc)
    fields = _fields(exc)
    message = (
        f"Missing or not valid: {', '.join(fields)}. Go back, check the form and try again."
        if fields
        else ""
    )
    return error_page(request, 422, message)


async def on_app_error(request: Request, exc: AppError) -> Response:
    """A service's refusal (domain.errors) answers with its own status, as a page or as JSON."""
    return await on_http_error(request, StarletteHTTPException(exc.status, str(exc)))


def on_not_visible(request: Request, exc: NotVisible) -> Response:
    """A case, view or brand outside the viewer's brands answers 404, like one that is not there."""
    if wants_page(request):
        return error_page(request, 404, _sentence(str(exc)))
    return JSONResponse({"detail": str(exc)}, status_code=404)


def on_login_required(_request: Request, exc: LoginRequired) -> Response:
    """A page without a session goes to the login page and comes back after."""
    return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)


def on_crash(request: Request, _exc: Exception) -> Response:
    """An unexpected error: a page saying so for browsers, Starlette's plain 500 for the rest.

    Nothing of the exception reaches the response; Starlette raises it again after this
    answer, so the server logs the traceback.
    """
    response = (
        error_page(request, 500)
        if wants_page(request)
        else PlainTextResponse("Internal Server Error", status_code=500)
    )
    # This answer leaves outside the app's middleware, so it carries the headers itself.
    response.headers.update(dict(SECURITY_HEADERS))
    return response


# Feed links of a kind no capability serves (each serves its own: callbacks, appointments)
# answer like a wrong key, after the real feed routes are included.
unknown_feeds = APIRouter(include_in_schema=False)


@unknown_feeds.get("/feeds/{brand_id}/{kind}.ics")
def unknown_feed(brand_id: RowId, kind: str, key: str) -> Response:
    """No such feed: the same answer as a link with a wrong key, whatever the kind."""
    del brand_id, kind, key
    raise StarletteHTTPException(404, "no such feed; copy the feed link again from atdesk")


def install_error_handlers(app: FastAPI) -> None:
    """Register every error answer of the app here, so pages and API stay consistent."""
    app.exception_handler(StarletteHTTPException)(on_http_error)
    app.exception_handler(RequestValidationError)(on_invalid_request)
    app.exception_handler(AppError)(on_app_error)
    app.exception_handler(NotVisible)(on_not_visible)
    app.exception_handler(LoginRequired)(on_login_required)
    app.exception_handler(Exception)(on_crash)
