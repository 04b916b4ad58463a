"""Who has a case open or is typing in it: one row per (case, agent), fading after a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from atdesk.models import CaseViewer, User
from atdesk.models.base import utcnow

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


def leave_case(session: Session, case_id: int, user_id: int) -> None:
    """The agent closed the case page: forget their presence on it at once."""
    session.execute(
        delete(CaseViewer).where(CaseViewer.case_id == case_id, CaseViewer.user_id == user_id)
    )
