"""What every admin form post ends with: back to a page with 303, so a reload never re-posts."""

from __future__ import annotations

from fastapi.responses import RedirectResponse


def see_other(path: str) -> RedirectResponse:
    """After a form post, the browser fetches `path` with GET (Post/Redirect/Get)."""
    return RedirectResponse(path, status_code=303)
