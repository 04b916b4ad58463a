"""Reading outbound automation jobs of the viewer's brands."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.models import (
    AutomationJob,
)


def list_jobs(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    statuses: Sequence[str] = (),
    limit: int = 200,
) -> list[AutomationJob]:
    """Outbound jobs, those waiting for a person first."""
    query = restrict(select(AutomationJob), brand_ids, AutomationJob.brand_id)
    if statuses:
        query = query.where(AutomationJob.status.in_(list(statuses)))
    return list(session.scalars(query.order_by(AutomationJob.id.desc()).limit(limit)))
