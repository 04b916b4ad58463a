"""The reports pages' filters (brand, team, agent, network, intent, issue, period) read from the
query string, checked against what the viewer may see, and turned into a ReportScope.

Every page, chart, CSV file and drill-down of the reports reads its filters here, so a link
from one to another keeps exactly the same cases behind its numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from atdesk.domain.errors import AppError
from atdesk.domain.ids import parse_id
from atdesk.domain.networks import Network
from atdesk.reports.access import ScopeFilters

PERIODS: dict[str, int] = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_PERIOD = "30d"
CUSTOM = "custom"
# A custom period longer than this is refused: a chart of day buckets stays readable and a
# request stays bounded (a year of weeks is still fine).
MAX_CUSTOM_DAYS = 400
NETWORKS = tuple(n.value for n in Network)


class BadFilter(AppError):
    """A filter value that names nothing (a bad date, an unknown network): say which and why."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What the viewer asked to see; ids are checked against their brands by `scope_for`."""

    brand_id: int | None = None
    team_id: int | None = None
    agent_id: int | None = None
    network: str | None = None
    intent: str | None = None
    issue_id: int | None = None
    period: str = DEFAULT_PERIOD
    since: date | None = None  # custom period: first day, inclusive
    until: date | None = None  # custom period: last day, inclusive

    def query(self, **changes: object) -> dict[str, str]:
        """These filters as query parameters (empty ones left out), for links between pages."""
        values: dict[str, object] = {
            "brand_id": self.brand_id,
            "team_id": self.team_id,
            "agent_id": self.agent_id,
            "network": self.network,
            "intent": self.intent,
            "issue_id": self.issue_id,
            "period": self.period if self.period != DEFAULT_PERIOD else None,
            "since": self.since.isoformat() if self.period == CUSTOM and self.since else None,
            "until": self.until.isoformat() if self.period == CUSTOM and self.until else None,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def narrowed(self, dimension: str, key: str) -> Filters:
        """The filters of one row of a breakdown table (its drill-down keeps the row's key)."""
        if dimension == "brand":
            return replace(self, brand_id=_row_id(key))
        if dimension == "team":
            return replace(self, team_id=_row_id(key))
        if dimension == "agent":
            return replace(self, agent_id=_row_id(key))
        if dimension == "issue":
            return replace(self, issue_id=_row_id(key))
        if dimension == "network":
            return replace(self, network=_network(key))
        if dimension == "intent":
            return replace(self, intent=key or None)
        if dimension == "day":
            day = _day(key, "day")
            return replace(self, period=CUSTOM, since=day, until=day)
        if dimension == "week":
            day = _week_start(key)
            return replace(self, period=CUSTOM, since=day, until=day + timedelta(days=6))
        raise BadFilter(f"no breakdown by {dimension!r}")


@dataclass(frozen=True, slots=True)
class Window:
    """The period in UTC: since inclusive, until exclusive, and how charts should bucket it."""

    since: datetime
    until: datetime

    @property
    def days(self) -> int:
        """How many days the period covers (at least one)."""
        return max(1, (self.until - self.since).days)

    @property
    def bucket(self) -> str:
        """Days up to five weeks, weeks beyond (a 90-day chart of 90 bars is hard to read)."""
        return "day" if self.days <= 35 else "week"


def parse_filters(params: Mapping[str, str]) -> Filters:
    """The filters in a query string; an empty value means 'any', a malformed one is refused."""
    period = (params.get("period") or DEFAULT_PERIOD).strip()
    if period not in PERIODS and period != CUSTOM:
        raise BadFilter(f"period must be one of {', '.join([*PERIODS, CUSTOM])}, not {period!r}")
    since = _optional_day(params.get("since"), "since")
    until = _optional_day(params.get("until"), "until")
    if period == CUSTOM:
        if since is None or until is None:
            raise BadFilter("a custom period needs both dates: since and until (YYYY-MM-DD)")
        if until < since:
            raise BadFilter(f"the period ends ({until}) before it starts ({since})")
        if (until - since).days + 1 > MAX_CUSTOM_DAYS:
            raise BadFilter(f"a custom period covers at most {MAX_CUSTOM_DAYS} days")
    network = (params.get("network") or "").strip() or None
    intent = (params.get("intent") or "").strip()[:64] or None
    return Filters(
        brand_id=_optional_id(params, "brand_id"),
        team_id=_optional_id(params, "team_id"),
        agent_id=_optional_id(params, "agent_id"),
        network=_network(network) if network else None,
        intent=intent,
        issue_id=_optional_id(params, "issue_id"),
        period=period,
        since=since if period == CUSTOM else None,
        until=until if period == CUSTOM else None,
    )


def window(filters: Filters, *, now: datetime) -> Window:
    """The period the filters name, ending now for the presets (whole UTC days for custom)."""
    if filters.period == CUSTOM and filters.since and filters.until:
        start = datetime.combine(filters.since, time(), tzinfo=UTC)
        end = datetime.combine(filters.until + timedelta(days=1), time(), tzinfo=UTC)
        return Window(start, end)
    return Window(now - timedelta(days=PERIODS[filters.period]), now)


def scope_filters(filters: Filters, *, now: datetime) -> ScopeFilters:
    """The filters as the engine's access check takes them (reports/access.py decides what the
    viewer may see: another brand's brand, team, agent or issue answers 404)."""
    period = window(filters, now=now)
    return ScopeFilters(
        brand_id=filters.brand_id,
        team_id=filters.team_id,
        agent_id=filters.agent_id,
        network=filters.network,
        intent=filters.intent,
        issue_id=filters.issue_id,
        since=period.since,
        until=period.until,
    )


def _optional_id(params: Mapping[str, str], name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        raise BadFilter(f"{name} must be a row id (a positive whole number), not {raw[:40]!r}")
    return value


def _row_id(key: str) -> int | None:
    value = parse_id(key)
    if value is None:
        raise BadFilter(f"key must be a row id, not {key[:40]!r}")
    return value


def _network(value: str) -> str:
    if value not in NETWORKS:
        raise BadFilter(f"network must be one of {', '.join(NETWORKS)}, not {value[:40]!r}")
    return value


def _optional_day(raw: str | None, name: str) -> date | None:
    text = (raw or "").strip()
    return _day(text, name) if text else None


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise BadFilter(f"{name} must be a date as YYYY-MM-DD, not {text[:40]!r}") from None


def _week_start(key: str) -> date:
    """The Monday of an ISO week key as the metrics engine writes it ('2026-W10')."""
    year, sep, week = key.partition("-W")
    if not sep or not year.isdecimal() or not week.isdecimal():
        raise BadFilter(f"week must look like 2026-W10, not {key[:40]!r}")
    try:
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise BadFilter(f"no week {key[:40]!r}") from None
