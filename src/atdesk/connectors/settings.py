"""The connectors' admin settings: prices and monthly budget per network, the alert webhook.

Stored as rows of `connector_settings` so an admin changes them on the page and every
worker picks them up at its next pass, without a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from atdesk.channels.costs import (
    DEFAULT_PRICES,
    MonthlyBudget,
    PriceTable,
    price_table_from_mapping,
)
from atdesk.domain.errors import AppError
from atdesk.domain.networks import Network
from atdesk.models import ConnectorSetting

ALERT_WEBHOOK_KEY = "alert_webhook"


class SettingsError(AppError):
    """A setting that cannot be stored as given, with what to enter instead."""


def _key(kind: str, network: Network) -> str:
    return f"{kind}:{network.value}"


def _get(session: Session, key: str) -> dict[str, object]:
    row = session.get(ConnectorSetting, key)
    return dict(row.value or {}) if row is not None else {}


def _put(session: Session, key: str, value: Mapping[str, object]) -> None:
    row = session.get(ConnectorSetting, key)
    if row is None:
        session.add(ConnectorSetting(key=key, value=dict(value)))
    else:
        row.value = dict(value)
    session.flush()


def price_overrides(session: Session, network: Network) -> dict[str, str]:
    """The admin's price overrides for a network (operation → unit price as a string)."""
    return {str(k): str(v) for k, v in _get(session, _key("prices", network)).items()}


def price_table(session: Session, network: Network) -> PriceTable:
    """The network's default prices with the admin's overrides applied."""
    base = DEFAULT_PRICES[network]
    overrides = price_overrides(session, network)
    return price_table_from_mapping(overrides, base) if overrides else base


def price_tables(session: Session) -> dict[Network, PriceTable]:
    """Every network's price table (one query per network; there are three)."""
    return {network: price_table(session, network) for network in Network}


def set_prices(session: Session, network: Network, prices: Mapping[str, str]) -> PriceTable:
    """Store the unit prices an admin entered; blanks fall back to the default price."""
    entered = {k: v.strip() for k, v in prices.items() if v and v.strip()}
    try:
        table = price_table_from_mapping(entered, DEFAULT_PRICES[network])
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    _put(session, _key("prices", network), entered)
    return table


def monthly_budget(session: Session, network: Network) -> MonthlyBudget | None:
    """The network's monthly budget, or None when spending is not capped."""
    raw = _get(session, _key("budget", network))
    if raw.get("limit") in (None, ""):
        return None
    return MonthlyBudget(Decimal(str(raw["limit"])), float(str(raw.get("slow_from", 0.8))))


def set_monthly_budget(
    session: Session, network: Network, limit: str, slow_from_percent: str = "80"
) -> MonthlyBudget | None:
    """Store a monthly cap (blank removes it); polling slows from `slow_from_percent` of it."""
    limit = limit.strip()
    if not limit:
        _put(session, _key("budget", network), {})
        return None
    try:
        amount = Decimal(limit)
        slow = float(slow_from_percent or "80") / 100
        budget = MonthlyBudget(amount, slow)
    except (InvalidOperation, ValueError) as exc:
        raise SettingsError(
            f"the budget must be an amount like 50.00 and the slow-down a percentage "
            f"between 0 and 100 ({exc})"
        ) from None
    if not amount.is_finite():
        raise SettingsError("the budget must be a finite amount like 50.00")
    _put(session, _key("budget", network), {"limit": str(amount), "slow_from": slow})
    return budget


@dataclass(frozen=True, slots=True)
class AlertWebhook:
    """Where channel alerts are sent as signed events, and the signing secret."""

    url: str
    secret: str


def alert_webhook(session: Session) -> AlertWebhook | None:
    """The subscriber for channel alert events, if an admin set one."""
    raw = _get(session, ALERT_WEBHOOK_KEY)
    url, secret = str(raw.get("url") or ""), str(raw.get("secret") or "")
    return AlertWebhook(url, secret) if url and secret else None


def set_alert_webhook(session: Session, url: str, secret: str) -> AlertWebhook | None:
    """Store the alert subscriber (blank URL removes it); a blank secret keeps the old one."""
    url = url.strip()
    if not url:
        _put(session, ALERT_WEBHOOK_KEY, {})
        return None
    if not url.startswith(("https://", "http://")):
        raise SettingsError("the alert webhook URL must start with https://")
    secret = secret.strip() or str(_get(session, ALERT_WEBHOOK_KEY).get("secret") or "")
    if len(secret) < 16:
        raise SettingsError("give the alert webhook a signing secret of at least 16 characters")
    _put(session, ALERT_WEBHOOK_KEY, {"url": url, "secret": secret})
    return AlertWebhook(url, secret)


def budgets(session: Session) -> dict[Network, MonthlyBudget | None]:
    """Every network's budget."""
    return {network: monthly_budget(session, network) for network in Network}
