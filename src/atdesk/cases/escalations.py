"""The Escalations queue: open cases at or above their brand's risk threshold, riskiest first."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from atdesk.cases.queries import CaseFilter, case_count, list_cases
from atdesk.domain.cases import View
from atdesk.models import Case


def escalation_queue(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    brand_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Case], int]:
    """A page of the queue in the viewer's brands (one brand when asked), and its total."""
    return list_cases(
        session,
        CaseFilter(view=View.HIGH_RISK, brand_id=brand_id, brand_ids=brand_ids),
        limit=limit,
        offset=offset,
    )


def escalation_count(session: Session, brand_ids: frozenset[int] | None) -> int:
    """How many cases wait in the queue, for the navigation badge."""
    return case_count(session, CaseFilter(view=View.HIGH_RISK, brand_ids=brand_ids))
