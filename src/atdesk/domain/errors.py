"""One family of errors a person can fix, each carrying the HTTP status it answers with.

Services raise them; the web app's one handler turns any of them into a page or JSON with that
status, so a route never maps errors itself and the same error answers the same everywhere.
They stay ValueErrors, so callers that catch ValueError keep working.
"""

from __future__ import annotations


class AppError(ValueError):
    """Something the request asked for that cannot be done, with the reason (422)."""

    status = 422


class Conflict(AppError):
    """The thing changed or was taken meanwhile; fetch it again and retry (409)."""

    status = 409


class NotFound(AppError):
    """The thing named does not exist (404)."""

    status = 404
