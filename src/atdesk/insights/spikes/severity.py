"""How bad a burst is: low, medium, high or critical, from its size, its height over the norm
and how improbable it is (ADR 0086 has the table and why)."""

from __future__ import annotations

import math
from enum import StrEnum


class Severity(StrEnum):
    """Ordered grades; a brand alerts from its chosen grade up."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for critical, to compare grades."""
        return list(Severity).index(self)


# (grade, posts beyond the norm, peak over the norm, -log10 of the tail probability)
LADDER = (
    (Severity.CRITICAL, 100.0, 10.0, 20.0),
    (Severity.HIGH, 50.0, 5.0, 12.0),
    (Severity.MEDIUM, 20.0, 3.0, 8.0),
)


def grade(*, excess: float, ratio: float, p_value: float) -> Severity:
    """The highest grade whose three bars the burst clears; every detected burst is at least low."""
    surprise = -math.log10(max(p_value, 1e-300))
    for severity, min_excess, min_ratio, min_surprise in LADDER:
        if excess >= min_excess and ratio >= min_ratio and surprise >= min_surprise:
            return severity
    return Severity.LOW


def parse_severity(value: str) -> Severity:
    """A grade from its name, with the names to use when it is none of them."""
    try:
        return Severity(value.strip().lower())
    except ValueError:
        raise ValueError(
            f"severity {value!r} is not one of {', '.join(s.value for s in Severity)}"
        ) from None
