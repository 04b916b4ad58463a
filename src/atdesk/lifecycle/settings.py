"""A brand's retention settings in one typed place, kept in `Brand.settings["retention"]` (JSON).

Off by default: nothing is removed until a supervisor or an admin chooses a number of days and
a mode. Edited on the privacy page and through `PUT /api/v1/retention/{brand_id}`; unknown
keys are refused, so a typo never leaves data kept longer than the brand meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from atdesk.domain.errors import AppError
from atdesk.models import Brand

SETTINGS_KEY = "retention"
MIN_DAYS = 7  # under a week is a typo (a case is barely resolved)
MAX_DAYS = 36500


class RetentionMode(StrEnum):
    """Purge deletes the rows; anonymise keeps them for counts but removes the person."""

    PURGE = "purge"
    ANONYMISE = "anonymise"


class RetentionSettingsError(AppError):
    """Settings that cannot be saved as given, with what to change."""


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """How long a brand keeps resolved cases and posts, and what happens to them after."""

    # None: keep everything (the default).
    days: int | None = None
    mode: RetentionMode = RetentionMode.ANONYMISE

    @property
    def enabled(self) -> bool:
        """True when old data is removed at all."""
        return self.days is not None

    def to_json(self) -> dict[str, Any]:
        """What is stored on the brand."""
        return {"days": self.days, "mode": self.mode.value}


KNOWN = frozenset(RetentionSettings().to_json())


def retention_settings(brand: Brand) -> RetentionSettings:
    """The brand's settings; anything missing or unreadable keeps everything (off)."""
    raw: Mapping[str, Any] = (brand.settings or {}).get(SETTINGS_KEY) or {}
    try:
        return parse_settings(raw)
    except RetentionSettingsError:
        return RetentionSettings()


def parse_settings(
    raw: Mapping[str, Any], base: RetentionSettings | None = None
) -> RetentionSettings:
    """Checked settings from JSON or a form; keys not given keep `base`'s values. `days`
    empty or null turns retention off."""
    current = base or RetentionSettings()
    unknown = sorted(set(raw) - KNOWN)
    if unknown:
        raise RetentionSettingsError(
            f"unknown retention setting {', '.join(unknown)}; use {', '.join(sorted(KNOWN))}"
        )
    changes: dict[str, Any] = {}
    if "days" in raw:
        changes["days"] = _days(raw["days"])
    if "mode" in raw:
        mode = str(raw["mode"] or "").strip().lower()
        try:
            changes["mode"] = RetentionMode(mode)
        except ValueError:
            raise RetentionSettingsError("mode must be purge or anonymise") from None
    return replace(current, **changes)


def _days(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RetentionSettingsError("days must be a whole number of days, or empty for off")
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        raise RetentionSettingsError(
            "days must be a whole number of days, or empty for off"
        ) from None
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise RetentionSettingsError(f"days must be between {MIN_DAYS} and {MAX_DAYS}")
    return days
