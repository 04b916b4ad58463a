"""What a report covers: brands (already limited to the viewer's), team, agent, filters, period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ReportScope:
    """What a report covers; brand_ids already limited to the viewer's brands by the caller."""

    brand_ids: tuple[int, ...] | None  # None = every brand (CLI/admin only)
    team_id: int | None = None
    agent_id: int | None = None
    network: str | None = None  # "x" | "mastodon" | "bluesky"
    intent: str | None = None
    issue_id: int | None = None
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC

    @property
    def empty(self) -> bool:
        """True when the viewer may see no brand at all: every number is then empty."""
        return self.brand_ids is not None and not self.brand_ids
