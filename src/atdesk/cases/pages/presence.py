"""Presence: who is online for routing, and who has a case open or is typing in it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from atdesk.accounts.deps import PageViewer
from atdesk.accounts.service import AccountError
from atdesk.accounts.teams import set_presence
from atdesk.cases.access import visible_case
from atdesk.cases.presence import STATES, leave_case, upsert_viewer, viewers_of
from atdesk.domain.ids import RowId
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.templating import back_to, flash

router = APIRouter(include_in_schema=False)


@router.post("/cases/{case_id}/presence", dependencies=[CsrfChecked])
def case_presence(
    case_id: RowId,
    session: DbSession,
    viewer: PageViewer,
    state: Annotated[str, Form()] = "viewing",
) -> dict[str, object]:
    """A heartbeat from an open case page: viewing, typing, or left."""
    case = visible_case(session, viewer.user, case_id)
    if state == "left":
        leave_case(session, case.id, viewer.user.id)
    else:
        upsert_viewer(session, case.id, viewer.user.id, state if state in STATES else "viewing")
    return {"viewers": [asdict(p) for p in viewers_of(session, case.id, exclude=viewer.user.id)]}


@router.post("/me/presence", dependencies=[CsrfChecked])
def my_presence(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    state: Annotated[str, Form()],
) -> RedirectResponse:
    """Go online (routing may assign you cases) or away (it will not)."""
    try:
        set_presence(session, viewer.user, state)
    except AccountError as exc:
        flash(request, str(exc), "error")
    else:
        flash(
            request,
            "You are online: new cases can be routed to you."
            if state == "online"
            else "You are away: routing will not assign you new cases.",
        )
    return RedirectResponse(back_to(request), status_code=303)
