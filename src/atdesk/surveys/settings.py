"""A brand's survey settings in one typed place, kept in `Brand.settings["surveys"]` (JSON).

Off unless the brand turns surveys on (the demo brands do). Edited on the surveys page and
through `PUT /api/v1/surveys/settings/{brand_id}`; unknown keys are refused, so a typo never
silently leaves a default in force.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from atdesk.domain.errors import AppError
from atdesk.models import Brand
from atdesk.respond.macros import fill
from atdesk.surveys.scores import SurveyKind

SETTINGS_KEY = "surveys"
VARIABLES = ("first_name", "brand", "case_id", "handle")
DEFAULT_CSAT_TEXT = (
    "Thanks for getting in touch with {brand}, {first_name}. How did we do? "
    "Reply with a number from 1 (poor) to 5 (great), and a comment if you like."
)
DEFAULT_NPS_TEXT = (
    "Thanks for getting in touch with {brand}, {first_name}. How likely are you to recommend "
    "us to a friend? Reply with a number from 0 (not at all) to 10 (extremely likely)."
)
MAX_DAYS = 365
_YES = ("true", "1", "on", "yes")
_NO = ("false", "0", "off", "no")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class SurveySettingsError(AppError):
    """Settings that cannot be saved as given, with what to change."""


@dataclass(frozen=True, slots=True)
class SurveySettings:
    """Whether, what and how often a brand asks its customers after a resolution."""

    enabled: bool = False
    kind: SurveyKind = SurveyKind.CSAT
    # At most one survey per customer (and brand) in this many days.
    every_days: int = 7
    # An answer counts if it arrives within this many days of the survey.
    answer_days: int = 7
    # Cases the bot or an automation closed with no person involved get no survey.
    skip_automated: bool = False
    csat_text: str = DEFAULT_CSAT_TEXT
    nps_text: str = DEFAULT_NPS_TEXT

    def text_for(self, kind: SurveyKind) -> str:
        """The question as the brand words it."""
        return self.csat_text if kind is SurveyKind.CSAT else self.nps_text

    def to_json(self) -> dict[str, Any]:
        """What is stored on the brand."""
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


def survey_settings(brand: Brand) -> SurveySettings:
    """The brand's settings; anything missing or unreadable falls back to the default."""
    raw: Mapping[str, Any] = (brand.settings or {}).get(SETTINGS_KEY) or {}
    try:
        return parse_settings(raw)
    except SurveySettingsError:
        return SurveySettings(enabled=bool(raw.get("enabled")))


def parse_settings(raw: Mapping[str, Any], base: SurveySettings | None = None) -> SurveySettings:
    """Checked settings from JSON; keys not given keep `base`'s values (the defaults)."""
    current = base or SurveySettings()
    known = set(current.to_json())
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SurveySettingsError(
            f"unknown survey setting {', '.join(unknown)}; use {', '.join(sorted(known))}"
        )
    changes: dict[str, Any] = {}
    if "enabled" in raw:
        changes["enabled"] = _flag(raw["enabled"], "enabled")
    if "skip_automated" in raw:
        changes["skip_automated"] = _flag(raw["skip_automated"], "skip_automated")
    if "kind" in raw:
        try:
            changes["kind"] = SurveyKind(str(raw["kind"]).lower())
        except ValueError:
            raise SurveySettingsError("kind must be csat or nps") from None
    for name in ("every_days", "answer_days"):
        if name in raw:
            changes[name] = _days(raw[name], name)
    for name in ("csat_text", "nps_text"):
        if name in raw:
            changes[name] = _text(raw[name], name)
    return replace(current, **changes)


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _YES + _NO:
        return value.lower() in _YES
    raise SurveySettingsError(f"{name} must be true or false")


def _days(value: Any, name: str) -> int:
    low = 0 if name == "every_days" else 1  # 0: no limit between surveys
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise SurveySettingsError(f"{name} must be a whole number of days") from None
    if not low <= days <= MAX_DAYS:
        raise SurveySettingsError(f"{name} must be between {low} and {MAX_DAYS} days")
    return days


def _text(value: Any, name: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise SurveySettingsError(f"{name} cannot be empty; leave it out for the default")
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - set(VARIABLES))
    if unknown:
        raise SurveySettingsError(
            f"{name} uses {{{unknown[0]}}}; the survey text can use "
            + ", ".join("{" + v + "}" for v in VARIABLES)
        )
    return text


def update_survey_settings(brand: Brand, settings: SurveySettings) -> None:
    """Store the settings on the brand (the caller audits and commits)."""
    brand.settings = {**(brand.settings or {}), SETTINGS_KEY: settings.to_json()}


def render_text(template: str, values: Mapping[str, str]) -> str:
    """The survey question with {first_name}, {brand}, {case_id} and {handle} filled in."""
    return fill(template, {k: v for k, v in values.items() if k in VARIABLES})
