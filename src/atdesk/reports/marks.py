"""How far each report rollup has folded in its source (report_rollup_marks), by name."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from atdesk.models import ReportRollupMark


def read_mark(session: Session, name: str) -> int:
    """A rollup's mark (0 when it has none yet)."""
    found = session.scalar(select(ReportRollupMark.value).where(ReportRollupMark.name == name))
    return int(found or 0)


def save_mark(session: Session, value: int, name: str) -> None:
    """Set a rollup's mark (inside the write that makes it true)."""
    held = session.scalar(select(ReportRollupMark.value).where(ReportRollupMark.name == name))
    if held is None:
        session.execute(insert(ReportRollupMark).values(name=name, value=value))
    else:
        session.execute(
            update(ReportRollupMark).where(ReportRollupMark.name == name).values(value=value)
        )
