"""Presence: who is online for routing, and who has a case open or is typing in it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from atdesk.accounts.deps import PageViewer
from atdesk.accounts.service import AccountError
from atdesk.accounts.teams import set_presence
from atdesk.cases.access import visible_case
from atdesk.domain.ids import RowId
from atdesk.models import CaseViewer, User
from atdesk.models.base import utcnow
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.templating import back_to, flash

router = APIRouter(include_in_schema=False)
VIEWER_TTL = timedelta(seconds=30)
TYPING_TTL = timedelta(seconds=8)
STATES = ("viewing", "typing")


@dataclass(frozen=True, slots=True)
class Presence:
    """Another agent on the same case right now."""

    user_id: int
    name: str
    state: str


def viewers_of(
    session: Session, case_id: int, *, exclude: int | None = None, now: datetime | None = None
) -> list[Presence]:
    """Agents seen on this case in the last half minute; typing fades after a few seconds."""
    now = now or utcnow()
    rows = session.execute(
        select(CaseViewer, User)
        .join(User, User.id == CaseViewer.user_id)
        .where(CaseViewer.case_id == case_id, CaseViewer.seen_at >= now - VIEWER_TTL)
        .order_by(User.display_name)
    ).all()
    out = []
    for row, user in rows:
        if user.id == exclude:
            continue
        state = row.state if row.state != "typing" or now - row.seen_at <= TYPING_TTL else "viewing"
        out.append(Presence(user.id, user.display_name or user.username, state))
    return out


def upsert_viewer(session: Session, case_id: int, user_id: int, state: str) -> None:
    """One row per (case, user), written atomically on both databases."""
    values = {"case_id": case_id, "user_id": user_id, "state": state, "seen_at": utcnow()}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = pg_insert(CaseViewer).values(**values)
        session.execute(
            pg.on_conflict_do_update(
                index_elements=["case_id", "user_id"],
                set_={"state": pg.excluded.state, "seen_at": pg.excluded.seen_at},
            )
        )
    else:
        lite = sqlite_insert(CaseViewer).values(**values)
        session.execute(
            lite.on_conflict_do_update(
                index_elements=["case_id", "user_id"],
                set_={"state": lite.excluded.state, "seen_at": lite.excluded.seen_at},
            )
        )


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
        session.execute(
            delete(CaseViewer).where(
                CaseViewer.case_id == case.id, CaseViewer.user_id == viewer.user.id
            )
        )
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
