"""The one place reports ask for cost per resolution; the lead wires it to atdesk.costs at merge.

Until then every brand's cost per resolution is unknown (None, printed as null). Wired, the
body is one call: `atdesk.costs.summary.resolution_costs(session, brand_ids=brand_ids,
since=scope.since, until=scope.until)`, each brand's `per_resolution` as a float.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from atdesk.reports.scope import ReportScope


def costs_per_resolution(
    session: Session, scope: ReportScope, brand_ids: Sequence[int]
) -> dict[int, float | None]:
    """Each brand's cost per resolved case in the scope's period (None: not known)."""
    del session, scope
    return dict.fromkeys(brand_ids)
