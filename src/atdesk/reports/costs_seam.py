"""The one place reports ask for cost per resolution: the costs capability prices it (ADR 94)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from atdesk.costs.summary import resolution_costs
from atdesk.reports.cache import cached
from atdesk.reports.scope import ReportScope


def costs_per_resolution(
    session: Session, scope: ReportScope, brand_ids: Sequence[int]
) -> dict[int, float | None]:
    """Each brand's cost per resolved case in the scope's period (None: nothing resolved).

    Remembered like the other report answers (a minute at most), since pricing every resolved
    case of twenty brands takes up to two seconds.
    """
    return cached(
        session, ("costs", scope, tuple(brand_ids)), lambda: _priced(session, scope, brand_ids)
    )


def _priced(
    session: Session, scope: ReportScope, brand_ids: Sequence[int]
) -> dict[int, float | None]:
    costs = resolution_costs(session, brand_ids=brand_ids, since=scope.since, until=scope.until)
    found = {
        brand_id: float(cost.per_resolution) if cost.per_resolution is not None else None
        for brand_id, cost in costs.items()
    }
    return {brand_id: found.get(brand_id) for brand_id in brand_ids}
