"""API shapes of the connectors: accounts and how they fare, alerts, spend and budgets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel


class ChannelAlertOut(BaseModel):
    """A channel problem (open while `closed_at` is null)."""

    id: int
    network: str
    account: str
    channel_account_id: int | None
    kind: str
    message: str
    count: int
    opened_at: datetime
    last_seen_at: datetime
    reset_at: datetime | None
    closed_at: datetime | None
    closed_reason: str | None


class ChannelAccountOut(BaseModel):
    """A brand account's connector: who reads it, how it fares, what it cost this month."""

    id: int
    brand: str
    network: str
    handle: str
    connected_by: str
    status: str | None
    holder: str | None
    stream_enabled: bool | None
    poll_interval_s: float | None
    last_ok_at: datetime | None
    last_error: str | None
    events_read: int
    ignored: dict[str, int]
    rate_limits: list[dict[str, Any]]
    spend_this_month: Decimal
    open_alerts: list[str]


class MonthSpendOut(BaseModel):
    """A month's spend on one network."""

    month: str
    network: str
    calls: int
    items: int
    cost: Decimal


class NetworkSpendOut(BaseModel):
    """A network's spend this month, its budget and its unit prices."""

    network: str
    spent: Decimal
    budget: Decimal | None
    slow_from: float | None
    slowing: bool
    prices: dict[str, Decimal]


class SpendOut(BaseModel):
    """Spend this month per network, and per month before."""

    month: str
    networks: list[NetworkSpendOut]
    months: list[MonthSpendOut]
    top_cases: list[dict[str, Any]]


class CaseSpendOut(BaseModel):
    """What one case cost in API calls."""

    case_id: int
    spend: Decimal
