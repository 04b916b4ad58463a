"""API shapes for costs and cost settings; amounts are decimal strings, exact to the micro."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from atdesk.costs.settings import CostSettings
from atdesk.costs.summary import BrandCost


class CostOut(BaseModel):
    """What a brand's resolutions cost over a period, against a phone contact."""

    resolved_cases: int
    cases_with_activity: int
    handling_seconds: float
    agent_cost: Decimal
    api_spend: Decimal
    bot_runs: int
    bot_cost: Decimal
    total: Decimal
    per_resolution: Decimal | None
    phone_contact_cost: Decimal
    times_cheaper: float | None
    currency: str

    @classmethod
    def of(cls, cost: BrandCost) -> CostOut:
        """The API view of a computed cost."""
        return cls(
            resolved_cases=cost.resolved_cases,
            cases_with_activity=cost.cases_with_activity,
            handling_seconds=cost.handling_seconds,
            agent_cost=cost.agent_cost,
            api_spend=cost.api_spend,
            bot_runs=cost.bot_runs,
            bot_cost=cost.bot_cost,
            total=cost.total,
            per_resolution=cost.per_resolution,
            phone_contact_cost=cost.phone_contact_cost,
            times_cheaper=round(cost.times_cheaper, 2) if cost.times_cheaper else None,
            currency=cost.currency,
        )


class BrandCostOut(CostOut):
    """A brand's costs over the whole period asked."""

    brand_id: int
    brand: str


class MonthCostOut(CostOut):
    """A brand's costs for one month (UTC) of resolutions."""

    brand_id: int
    month: str


class CostsOut(BaseModel):
    """Costs per brand and per brand and month, for the brands the caller may see."""

    since: datetime | None
    until: datetime | None
    brands: list[BrandCostOut]
    months: list[MonthCostOut]


class CostSettingsOut(BaseModel):
    """A brand's cost settings."""

    brand_id: int
    hourly_cost: Decimal
    bot_run_cost: Decimal
    phone_contact_cost: Decimal
    currency: str
    idle_after_s: int

    @classmethod
    def of(cls, brand_id: int, settings: CostSettings) -> CostSettingsOut:
        """The API view of stored settings."""
        return cls(
            brand_id=brand_id,
            hourly_cost=settings.hourly_cost,
            bot_run_cost=settings.bot_run_cost,
            phone_contact_cost=settings.phone_contact_cost,
            currency=settings.currency,
            idle_after_s=settings.idle_after_s,
        )


class CostSettingsUpdate(BaseModel):
    """A change to a brand's cost settings; only the fields given change, unknown ones are
    refused. Amounts may be numbers or strings ("12.50")."""

    model_config = ConfigDict(extra="forbid")

    hourly_cost: str | int | float | None = None
    bot_run_cost: str | int | float | None = None
    phone_contact_cost: str | int | float | None = None
    currency: str | None = None
    idle_after_s: int | str | None = None
