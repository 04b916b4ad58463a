"""REST API for costs: per brand and month, and a brand's cost settings (GET and PUT)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from atdesk.accounts.access import may_lead_brand, visible_brand
from atdesk.accounts.deps import ApiViewer
from atdesk.costs import queries
from atdesk.costs.periods import PeriodError, checked, parse_bound
from atdesk.costs.schemas import (
    BrandCostOut,
    CostOut,
    CostSettingsOut,
    CostSettingsUpdate,
    CostsOut,
    MonthCostOut,
)
from atdesk.costs.service import save_settings
from atdesk.costs.settings import CostSettingsError, cost_settings
from atdesk.domain.ids import RowId
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1/costs", tags=["costs"])


@router.get("")
def get_costs(
    session: DbSession,
    viewer: ApiViewer,
    brand_id: RowId | None = None,
    since: str | None = None,
    until: str | None = None,
) -> CostsOut:
    """Cost per resolution of your brands for resolutions in [since, until): since and until
    are a month (2026-11), a day (2026-11-15) or an ISO moment, UTC; until's month or day is
    included. Per brand over the period, and per brand and month."""
    try:
        start = parse_bound(since, end=False, name="since")
        end = parse_bound(until, end=True, name="until")
        checked(start, end)
    except PeriodError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    if brand_id is not None:
        visible_brand(session, viewer.brand_ids, brand_id)
    view = queries.cost_view(session, viewer.brand_ids, brand_id=brand_id, since=start, until=end)
    names = {b.id: b.name for b in view.brands}
    return CostsOut(
        since=start,
        until=end,
        brands=[
            BrandCostOut(brand_id=b, brand=names[b], **CostOut.of(c).model_dump())
            for b, c in view.totals.items()
            if b in names
        ],
        months=[
            MonthCostOut(brand_id=m.brand_id, month=m.month, **CostOut.of(m.cost).model_dump())
            for m in view.months
        ],
    )


@router.get("/settings/{brand_id}")
def get_settings(brand_id: RowId, session: DbSession, viewer: ApiViewer) -> CostSettingsOut:
    """A brand's cost settings: hourly agent cost, cost per bot run, phone contact cost."""
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    return CostSettingsOut.of(brand.id, cost_settings(brand))


@router.put("/settings/{brand_id}")
def put_settings(
    brand_id: RowId, body: CostSettingsUpdate, session: DbSession, viewer: ApiViewer
) -> CostSettingsOut:
    """Change a brand's cost settings (admins, and the brand's supervisors); audited."""
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    if not may_lead_brand(viewer.user, viewer.brand_ids, brand.id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "supervisors and admins only; ask one to change this"
        )
    try:
        saved = save_settings(session, brand, body.model_dump(exclude_none=True), actor=viewer.user)
    except CostSettingsError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return CostSettingsOut.of(brand.id, saved)
