"""Reading the city reports of the viewer's brands."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.engine.queries import within
from atdesk.models import (
    Open311Report,
)


def list_reports(
    session: Session, brand_ids: frozenset[int] | None, *, limit: int = 200
) -> list[Open311Report]:
    """City reports, newest first."""
    query = within(select(Open311Report), Open311Report.brand_id, brand_ids)
    return list(session.scalars(query.order_by(Open311Report.id.desc()).limit(limit)))
