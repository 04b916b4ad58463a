"""What every admin form post ends with: back to a page with 303, so a reload never re-posts."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from atdesk.ui.templating import flash


def see_other(path: str) -> RedirectResponse:
    """After a form post, the browser fetches `path` with GET (Post/Redirect/Get)."""
    return RedirectResponse(path, status_code=303)


def form_post(
    request: Request,
    session: Session,
    change: Callable[[], str],
    *,
    back: str,
    refused: tuple[type[Exception], ...] = (ValueError,),
) -> RedirectResponse:
    """Run a form's change and say how it went on the next page: its message, or the refusal
    (one of `refused`) with nothing of the change kept."""
    try:
        message = change()
    except refused as exc:
        session.rollback()
        flash(request, str(exc), "error")
    else:
        flash(request, message)
    return see_other(back)
