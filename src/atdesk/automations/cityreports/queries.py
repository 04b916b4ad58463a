"""Reading the city reports of the viewer's brands."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.models import (
    Open311Report,
)


def list_reports(
    session: Session, brand_ids: frozenset[int] | None, *, limit: int = 200
) -> list[Open311Report]:
    """City reports, newest first."""
    query = restrict(select(Open311Report), brand_ids, Open311Report.brand_id)
    return list(session.scalars(query.order_by(Open311Report.id.desc()).limit(limit)))
