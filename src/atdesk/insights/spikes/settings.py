"""A brand's spike settings in one typed place, kept in `Brand.settings["spikes"]` (JSON).

Edited by admins on the Insights alerts page and through `PUT /api/v1/alerts/settings/{id}`;
unknown keys are refused, so a typo never silently leaves a default in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from atdesk.domain.errors import AppError
from atdesk.insights.spikes.detect import SENSITIVITY_ALPHA, Thresholds
from atdesk.insights.spikes.severity import Severity, parse_severity
from atdesk.models import Brand

SETTINGS_KEY = "spikes"
MAX_MIN_POSTS = 10_000
_YES = ("true", "1", "on", "yes")
_NO = ("false", "0", "off", "no")


class SpikeSettingsError(AppError):
    """Settings that cannot be saved as given, with what to change."""


@dataclass(frozen=True, slots=True)
class SpikeSettings:
    """How eager a brand's spike alerts are, and where their webhook goes."""

    enabled: bool = True
    # The fewest posts in one window that can make a spike.
    min_posts: int = 10
    # low: ~0.1% chance of a false alarm a day, normal: ~1%, high: ~5%.
    sensitivity: str = "normal"
    # Spikes below this grade are listed by `atdesk trends` but raise no alert.
    min_severity: Severity = Severity.MEDIUM
    webhook_url: str = ""
    webhook_secret: str = ""

    @property
    def thresholds(self) -> Thresholds:
        """What the detector needs of these settings."""
        return Thresholds(min_posts=self.min_posts, sensitivity=self.sensitivity)

    def to_json(self) -> dict[str, Any]:
        """What is stored on the brand."""
        data = asdict(self)
        data["min_severity"] = self.min_severity.value
        return data

    def public(self) -> dict[str, Any]:
        """What pages and the API show: the secret only as whether one is set."""
        data = self.to_json()
        data["webhook_secret"] = bool(self.webhook_secret)
        return data


def spike_settings(brand: Brand) -> SpikeSettings:
    """The brand's settings; anything unreadable falls back to the defaults."""
    raw: Mapping[str, Any] = (brand.settings or {}).get(SETTINGS_KEY) or {}
    try:
        return parse_settings(raw)
    except SpikeSettingsError:
        return SpikeSettings()


def parse_settings(raw: Mapping[str, Any], base: SpikeSettings | None = None) -> SpikeSettings:
    """Checked settings from JSON; keys not given keep `base`'s values (the defaults)."""
    current = base or SpikeSettings()
    known = set(current.to_json())
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SpikeSettingsError(
            f"unknown spike setting {', '.join(unknown)}; use {', '.join(sorted(known))}"
        )
    changes: dict[str, Any] = {}
    if "enabled" in raw:
        changes["enabled"] = _flag(raw["enabled"])
    if "min_posts" in raw:
        changes["min_posts"] = _min_posts(raw["min_posts"])
    if "sensitivity" in raw:
        value = str(raw["sensitivity"]).strip().lower()
        if value not in SENSITIVITY_ALPHA:
            raise SpikeSettingsError(
                f"sensitivity must be one of {', '.join(SENSITIVITY_ALPHA)}, not {value!r}"
            )
        changes["sensitivity"] = value
    if "min_severity" in raw:
        try:
            changes["min_severity"] = parse_severity(str(raw["min_severity"]))
        except ValueError as exc:
            raise SpikeSettingsError(str(exc)) from None
    if "webhook_url" in raw:
        changes["webhook_url"] = _url(raw["webhook_url"])
    if "webhook_secret" in raw and str(raw["webhook_secret"] or "").strip():
        changes["webhook_secret"] = str(raw["webhook_secret"]).strip()
    result = replace(current, **changes)
    if result.webhook_url and len(result.webhook_secret) < 16:
        raise SpikeSettingsError(
            "give the spike webhook a signing secret of at least 16 characters"
        )
    return result


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _YES + _NO:
        return value.lower() in _YES
    raise SpikeSettingsError("enabled must be true or false")


def _min_posts(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SpikeSettingsError("min_posts must be a whole number of posts") from None
    if not 3 <= number <= MAX_MIN_POSTS:
        raise SpikeSettingsError(f"min_posts must be between 3 and {MAX_MIN_POSTS}")
    return number


def _url(value: Any) -> str:
    url = str(value or "").strip()
    if url and not url.startswith(("https://", "http://")):
        raise SpikeSettingsError("the spike webhook URL must start with https://")
    if len(url) > 2000:
        raise SpikeSettingsError("the spike webhook URL is longer than 2000 characters")
    return url


def store_settings(brand: Brand, settings: SpikeSettings) -> None:
    """Put the settings on the brand (the caller audits and commits)."""
    brand.settings = {**(brand.settings or {}), SETTINGS_KEY: settings.to_json()}
