"""A brand's survey settings in one typed place, kept in `Brand.settings["surveys"]` (JSON).

Off unless the brand turns surveys on (the demo brands do). Edited on the surveys page and
through `PUT /api/v1/surveys/settings/{brand_id}`; unknown keys are refused, so a typo never
silently leaves a default in force.

A brand asks CSAT, NPS or both (ADR 93): with both, a resolution gets NPS when the customer
has had none from the brand in `nps_every_days`, else CSAT. The older single `kind` key
("csat" or "nps") is still read and accepted: it sets the two flags (migration 0023 rewrote
the stored settings that used it).
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
DEFAULT_FOLLOW_UP_TEXT = (
    "Sorry we let you down, {first_name}. What could we do better? Reply here in your own words."
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
    """Whether, what and how often a brand asks its customers after a resolution, and what
    happens after an unhappy answer."""

    enabled: bool = False
    # CSAT after a resolution; NPS at most once per customer every `nps_every_days`.
    csat: bool = True
    nps: bool = False
    nps_every_days: int = 90
    # At most one survey (of either kind) per customer (and brand) in this many days.
    every_days: int = 7
    # An answer counts if it arrives within this many days of the survey.
    answer_days: int = 7
    # Cases the bot or an automation closed with no person involved get no survey.
    skip_automated: bool = False
    # After CSAT 1-2 or NPS 0-6: ask what we could do better ...
    follow_up: bool = True
    # ... and reopen the case (resolved within `reopen_days`) or open a follow-up case.
    close_loop: bool = True
    reopen_days: int = 3
    csat_text: str = DEFAULT_CSAT_TEXT
    nps_text: str = DEFAULT_NPS_TEXT
    follow_up_text: str = DEFAULT_FOLLOW_UP_TEXT

    @property
    def kinds(self) -> tuple[SurveyKind, ...]:
        """The questions the brand asks."""
        return tuple(
            k for k, on in ((SurveyKind.CSAT, self.csat), (SurveyKind.NPS, self.nps)) if on
        )

    @property
    def kind(self) -> str:
        """ "csat", "nps" or "both": the older single setting, still shown to API readers."""
        return "both" if self.csat and self.nps else ("nps" if self.nps else "csat")

    def text_for(self, kind: SurveyKind) -> str:
        """The question as the brand words it."""
        return self.csat_text if kind is SurveyKind.CSAT else self.nps_text

    def to_json(self) -> dict[str, Any]:
        """What is stored on the brand."""
        return asdict(self)


def survey_settings(brand: Brand) -> SurveySettings:
    """The brand's settings; anything missing falls back to the default, anything unreadable
    to the defaults with the brand's on/off kept."""
    raw: Mapping[str, Any] = (brand.settings or {}).get(SETTINGS_KEY) or {}
    try:
        return parse_settings(from_older(raw))
    except SurveySettingsError:
        return SurveySettings(enabled=bool(raw.get("enabled")))


def from_older(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """Stored settings of the older shape (one `kind`) read as migration 0023 rewrites them:
    an NPS-only brand keeps asking as often as it did (every_days becomes nps_every_days)."""
    if "kind" not in raw:
        return raw
    out = dict(raw)
    kind = str(out.pop("kind")).lower()
    if kind in ("csat", "nps"):
        out.setdefault("csat", kind == "csat")
        out.setdefault("nps", kind == "nps")
        if kind == "nps":
            out.setdefault("nps_every_days", out.get("every_days", 7))
        return out
    return raw  # unreadable: parse_settings says why


def parse_settings(raw: Mapping[str, Any], base: SurveySettings | None = None) -> SurveySettings:
    """Checked settings from JSON; keys not given keep `base`'s values (the defaults)."""
    current = base or SurveySettings()
    known = set(current.to_json()) | {"kind"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SurveySettingsError(
            f"unknown survey setting {', '.join(unknown)}; use {', '.join(sorted(known))}"
        )
    changes: dict[str, Any] = {}
    if "kind" in raw:  # the older single setting: one kind, or both
        kind = str(raw["kind"]).lower()
        if kind not in ("csat", "nps", "both"):
            raise SurveySettingsError("kind must be csat, nps or both")
        changes["csat"] = kind in ("csat", "both")
        changes["nps"] = kind in ("nps", "both")
    for name in ("enabled", "csat", "nps", "skip_automated", "follow_up", "close_loop"):
        if name in raw:
            changes[name] = _flag(raw[name], name)
    for name in ("every_days", "answer_days", "nps_every_days", "reopen_days"):
        if name in raw:
            changes[name] = _days(raw[name], name)
    for name in ("csat_text", "nps_text", "follow_up_text"):
        if name in raw:
            changes[name] = _text(raw[name], name)
    settings = replace(current, **changes)
    if not settings.kinds:
        raise SurveySettingsError("ask CSAT, NPS or both: turn at least one of them on")
    return settings


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _YES + _NO:
        return value.lower() in _YES
    raise SurveySettingsError(f"{name} must be true or false")


def _days(value: Any, name: str) -> int:
    low = 0 if name in ("every_days", "nps_every_days") else 1  # 0: no limit between surveys
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
