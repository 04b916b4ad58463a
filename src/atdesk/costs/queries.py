"""Reads for the costs page and API: the viewer's brands and their costs over a period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from atdesk.accounts.access import visible_brands
from atdesk.costs.summary import BrandCost, MonthCost, monthly_costs, resolution_costs
from atdesk.models import Brand


@dataclass(frozen=True, slots=True)
class CostView:
    """The brands shown, their costs over the period, per month, and the brands to pick from."""

    brands: Sequence[Brand]
    totals: dict[int, BrandCost]
    months: list[MonthCost]
    choices: Sequence[Brand]


def cost_view(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    brand_id: int | None,
    since: datetime | None,
    until: datetime | None,
) -> CostView:
    """Costs of the viewer's brands (or one of them, already checked visible)."""
    choices = visible_brands(session, brand_ids)
    brands = [b for b in choices if brand_id in (None, b.id)]
    scope = [b.id for b in brands]
    return CostView(
        brands,
        resolution_costs(session, brand_ids=scope, since=since, until=until),
        monthly_costs(session, brand_ids=scope, since=since, until=until),
        choices,
    )
