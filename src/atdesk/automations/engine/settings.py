"""A brand's automation settings in one typed place: timezone, hours, city, CRM, dialer, bot.

They live in `Brand.settings["automations"]` (JSON, edited on the automations page) and fall
back to the service configuration (SPEC.md §6) where one exists, such as the Open311 endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from atdesk.cases.calendar import BusinessHours as OpeningHours
from atdesk.cases.calendar import CalendarError, week_from_json
from atdesk.config import Settings
from atdesk.domain.handles import handle_key
from atdesk.integrations.callbacks import BusinessHours
from atdesk.models import Brand, BusinessCalendar

SETTINGS_KEY = "automations"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_POLL_S = 900.0
# A calibrated chance of being right, chosen on validation questions (bot_fit, ADR 58). On the
# test questions (docs/benchmarks.md) the bot answers 80-87% of covered questions right,
# 1.4-2.3% wrong, and none of those it has no article for.
DEFAULT_BOT_THRESHOLD = 0.7
# Automated messages a customer may get per rolling hour across the brand's rules (ADR 74).
DEFAULT_MESSAGES_PER_HOUR = 2
MAX_MESSAGES_PER_HOUR = 20


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An outside system atdesk calls: where, and the shared secret or key."""

    url: str
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class BrandConfig:
    """Everything the automation stage needs to know about one brand."""

    brand_id: int
    brand_name: str
    tz: ZoneInfo
    opening: OpeningHours | None = None
    callback_hours: BusinessHours = field(default_factory=BusinessHours)
    open311: Endpoint | None = None
    open311_keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    open311_poll_s: float = DEFAULT_POLL_S
    crm_lookup: Endpoint | None = None
    dialer: Endpoint | None = None
    public_url: str = DEFAULT_PUBLIC_URL
    bot_threshold: float = DEFAULT_BOT_THRESHOLD
    watched_handles: frozenset[str] = frozenset()
    messages_per_hour: int = DEFAULT_MESSAGES_PER_HOUR

    def in_business_hours(self, moment: datetime) -> bool | None:
        """Whether the brand is open at `moment` (its SLA calendar); None when it has none."""
        if self.opening is None or self.opening.always_open:
            return None
        day = moment.astimezone(self.tz).date()
        return any(start <= moment < end for start, end in self.opening.intervals_on(day))


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _endpoint(data: Any, *, key: str = "secret") -> Endpoint | None:
    if not isinstance(data, Mapping) or not data.get("url"):
        return None
    secret = data.get(key)
    return Endpoint(str(data["url"]), str(secret) if secret else None)


def _opening(calendar: BusinessCalendar | None) -> OpeningHours | None:
    if calendar is None or not calendar.week:
        return None
    try:
        return OpeningHours(timezone=calendar.timezone, week=week_from_json(calendar.week))
    except CalendarError:
        return None


def brand_config(session: Session, brand: Brand, settings: Settings) -> BrandConfig:
    """Read the brand's automation settings, with the service-wide Open311 endpoint as default."""
    raw: Mapping[str, Any] = (brand.settings or {}).get(SETTINGS_KEY) or {}
    calendar = session.get(BusinessCalendar, brand.id)
    tz = _zone(calendar.timezone if calendar else raw.get("timezone"))
    open311 = _endpoint(raw.get("open311"), key="api_key")
    if open311 is None and settings.open311_endpoint:
        open311 = Endpoint(settings.open311_endpoint, settings.open311_api_key)
    keywords = {
        str(code): tuple(str(w) for w in words)
        for code, words in (raw.get("open311_keywords") or {}).items()
    }
    return BrandConfig(
        brand_id=brand.id,
        brand_name=brand.name,
        tz=tz,
        opening=_opening(calendar),
        open311=open311,
        open311_keywords=keywords,
        open311_poll_s=float(raw.get("open311_poll_s") or DEFAULT_POLL_S),
        crm_lookup=_endpoint(raw.get("crm_lookup")),
        dialer=_endpoint(raw.get("dialer")),
        public_url=str(raw.get("public_url") or settings.public_url or DEFAULT_PUBLIC_URL),
        bot_threshold=float(raw.get("bot_threshold") or DEFAULT_BOT_THRESHOLD),
        # The same list the cases service escalates on (Admin → Brands).
        watched_handles=frozenset(
            handle_key(h) for h in (brand.settings or {}).get("watched_handles", [])
        ),
        messages_per_hour=messages_per_hour(brand.settings),
    )


def messages_per_hour(brand_settings: Mapping[str, Any] | None) -> int:
    """The brand's hourly limit on automated messages per customer, as stored (else 2)."""
    raw = ((brand_settings or {}).get(SETTINGS_KEY) or {}).get("messages_per_hour")
    try:
        return parse_messages_per_hour(str(raw)) if raw is not None else DEFAULT_MESSAGES_PER_HOUR
    except ValueError:
        return DEFAULT_MESSAGES_PER_HOUR


def parse_messages_per_hour(value: str) -> int:
    """A whole number from 1 to 20, or a ValueError that says so (for the settings form)."""
    try:
        number = int(value.strip())
    except ValueError:
        raise ValueError(
            f"automated messages per customer per hour: {value.strip()!r} is not a whole number"
        ) from None
    if not 1 <= number <= MAX_MESSAGES_PER_HOUR:
        raise ValueError(
            f"automated messages per customer per hour: {number} is not between 1 and "
            f"{MAX_MESSAGES_PER_HOUR}"
        )
    return number


def update_brand_settings(brand: Brand, changes: Mapping[str, Any]) -> None:
    """Merge changes into the brand's automation settings (None removes a key)."""
    settings = dict(brand.settings or {})
    current = dict(settings.get(SETTINGS_KEY) or {})
    for key, value in changes.items():
        if value is None:
            current.pop(key, None)
        else:
            current[key] = value
    settings[SETTINGS_KEY] = current
    brand.settings = settings
