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
    change: Callable[[], str | None],
    *,
    back: str,
    done: str | None = None,
    refused: tuple[type[Exception], ...] = (ValueError,),
    refusal: str = "{}",
    rollback: bool = True,
) -> RedirectResponse:
    """Run a form's change and say how it went on the next page, so each page says it alike.

    Done: its message is flashed (none when `change` returns None) and the browser goes to
    `done` (default `back`). Refused (one of `refused`): the reason, put into `refusal`, is
    flashed as an error, nothing of the change is kept (unless `rollback` is off) and the
    browser goes to `back`. Any other exception propagates untouched."""
    try:
        message = change()
    except refused as exc:
        if rollback:
            session.rollback()
        flash(request, refusal.format(exc), "error")
        return see_other(back)
    if message is not None:
        flash(request, message)
    return see_other(back if done is None else done)
