"""The one place reports ask for cost per resolution; the lead wires it to atdesk.costs at merge.

Until then every brand's cost per resolution is unknown (None, printed as null).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from atdesk.reports.scope import ReportScope


def cost_per_resolution(session: Session, scope: ReportScope, brand_id: int) -> float | None:
    """One brand's cost per resolved case in the scope's period (None: not known)."""
    del session, scope, brand_id
    return None
