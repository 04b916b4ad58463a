"""A brand's cost settings in one typed place, kept in `Brand.settings["costs"]` (JSON).

Edited on the costs page and through `PUT /api/v1/costs/settings/{brand_id}`; unknown keys
are refused, so a typo never silently leaves a default in force. Amounts are decimal strings
in the brand's currency; the ledger holds them as integer micro-units like the API spend.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from atdesk.domain.errors import AppError
from atdesk.models import Brand

SETTINGS_KEY = "costs"
MAX_AMOUNT = Decimal("100000")  # per hour, per run or per call: anything above is a typo
MIN_IDLE_S = 10
MAX_IDLE_S = 1800
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_FINEST = Decimal("0.0001")  # a hundredth of a cent: finer is a typo


class CostSettingsError(AppError):
    """Settings that cannot be saved as given, with what to change."""


@dataclass(frozen=True, slots=True)
class CostSettings:
    """What an agent hour, a bot or automation run and a phone contact cost a brand."""

    # A fully loaded agent hour (salary, seat, overhead).
    hourly_cost: Decimal = Decimal("30.00")
    # One bot decision or automation rule run on a case.
    bot_run_cost: Decimal = Decimal("0.02")
    # What the same contact costs by phone, the comparison the page makes.
    phone_contact_cost: Decimal = Decimal("6.00")
    currency: str = "USD"
    # No input or focus for this long: the agent is idle and time stops counting.
    idle_after_s: int = 60

    def to_json(self) -> dict[str, Any]:
        """What is stored on the brand (amounts as strings: JSON has no decimals)."""
        return {
            "hourly_cost": str(self.hourly_cost),
            "bot_run_cost": str(self.bot_run_cost),
            "phone_contact_cost": str(self.phone_contact_cost),
            "currency": self.currency,
            "idle_after_s": self.idle_after_s,
        }


KNOWN = frozenset(CostSettings().to_json())


def cost_settings(brand: Brand) -> CostSettings:
    """The brand's settings; anything missing or unreadable falls back to the default."""
    raw: Mapping[str, Any] = (brand.settings or {}).get(SETTINGS_KEY) or {}
    try:
        return parse_settings(raw)
    except CostSettingsError:
        return CostSettings()


def parse_settings(raw: Mapping[str, Any], base: CostSettings | None = None) -> CostSettings:
    """Checked settings from JSON or a form; keys not given keep `base`'s values."""
    current = base or CostSettings()
    unknown = sorted(set(raw) - KNOWN)
    if unknown:
        raise CostSettingsError(
            f"unknown cost setting {', '.join(unknown)}; use {', '.join(sorted(KNOWN))}"
        )
    changes: dict[str, Any] = {}
    for name in ("hourly_cost", "bot_run_cost", "phone_contact_cost"):
        if name in raw:
            changes[name] = _amount(raw[name], name)
    if "currency" in raw:
        currency = str(raw["currency"] or "").strip().upper()
        if not _CURRENCY.match(currency):
            raise CostSettingsError("currency must be a three-letter code such as USD or EUR")
        changes["currency"] = currency
    if "idle_after_s" in raw:
        changes["idle_after_s"] = _idle(raw["idle_after_s"])
    return replace(current, **changes)


def _amount(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise CostSettingsError(f"{name} must be an amount such as 12.50")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise CostSettingsError(f"{name} must be an amount such as 12.50") from None
    if not amount.is_finite() or amount < 0:
        raise CostSettingsError(f"{name} must be zero or more")
    if amount > MAX_AMOUNT:
        raise CostSettingsError(f"{name} must be at most {MAX_AMOUNT}")
    if amount != amount.quantize(_FINEST):
        raise CostSettingsError(f"{name} takes at most four decimals")
    cents = amount.quantize(Decimal("0.01"))
    return cents if amount == cents else amount.normalize()


def _idle(value: Any) -> int:
    if isinstance(value, bool):
        raise CostSettingsError("idle_after_s must be a whole number of seconds")
    try:
        seconds = int(str(value).strip())
    except (TypeError, ValueError):
        raise CostSettingsError("idle_after_s must be a whole number of seconds") from None
    if not MIN_IDLE_S <= seconds <= MAX_IDLE_S:
        raise CostSettingsError(f"idle_after_s must be between {MIN_IDLE_S} and {MAX_IDLE_S}")
    return seconds


def update_cost_settings(brand: Brand, settings: CostSettings) -> None:
    """Store the settings on the brand (the caller audits and commits)."""
    brand.settings = {**(brand.settings or {}), SETTINGS_KEY: settings.to_json()}
