"""Request-scoped dependencies every route shares: settings, one transaction, the clock, CSRF."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from atdesk.config import Settings
from atdesk.models.base import utcnow
from atdesk.storage.session import session_factory
from atdesk.ui.csrf import check_csrf


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One request is one transaction: commit when the handler returns, roll back if it raises."""
    session = session_factory(get_settings(request).database_url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# Committed when the handler returns, before the answer leaves: a browser follows a redirect at
# once, and the next page must see what this request wrote (FastAPI's default scope commits after
# the response is sent, so the page after a reply could render without it).
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def request_now(request: Request) -> datetime:
    """The app's clock (tests inject one), so session expiry never reads the wall clock there."""
    clock: Callable[[], datetime] = getattr(request.app.state, "clock", utcnow)
    return clock()


async def csrf_checked(request: Request) -> None:
    """Every write from a page carries the session's token: a form field or X-CSRF-Token."""
    submitted = request.headers.get("x-csrf-token")
    if not submitted:
        form = await request.form()
        value = form.get("csrf_token")
        submitted = value if isinstance(value, str) else None
    check_csrf(request, submitted)


CsrfChecked = Depends(csrf_checked)


async def page_form(request: Request) -> FormData:
    """A page's posted form, read once, for handlers whose fields are not known in advance."""
    return await request.form()


PageForm = Annotated[FormData, Depends(page_form)]


def request_time() -> datetime:
    """When a link is checked or a feed served: the clock, as a dependency tests can fix."""
    return utcnow()


Now = Annotated[datetime, Depends(request_time)]
