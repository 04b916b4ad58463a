"""Money as the API spend ledger keeps it: integer micro-units, exact on every database."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

MICROS = Decimal(1_000_000)
_SIX = Decimal("0.000001")


def to_micros(amount: Decimal) -> int:
    """Money as integer millionths, rounded half-even (banker's) at the last micro."""
    return int((amount * MICROS).to_integral_value(rounding=ROUND_HALF_EVEN))


def from_micros(micros: int | None) -> Decimal:
    """Millionths back to money, with six decimals (rounded only when shown)."""
    return (Decimal(micros or 0) / MICROS).quantize(_SIX)


def hours_cost_micros(seconds: float, hourly: Decimal) -> int:
    """What `seconds` of an agent's time cost at `hourly` per hour, in micros."""
    exact = Decimal(str(round(seconds, 3))) * hourly * MICROS / Decimal(3600)
    return int(exact.to_integral_value(rounding=ROUND_HALF_EVEN))


def display(amount: Decimal, currency: str) -> str:
    """An amount for people: two decimals (four under a cent) and the currency code."""
    places = Decimal("0.01") if abs(amount) >= Decimal("0.01") or amount == 0 else Decimal("0.0001")
    return f"{amount.quantize(places, rounding=ROUND_HALF_EVEN):,} {currency}"
