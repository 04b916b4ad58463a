"""A report's scope from a viewer's filters: only their brands; another brand's ids are 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.domain.errors import AppError, NotFound
from atdesk.domain.networks import Network
from atdesk.models import Brand, Issue, Team, TeamBrand, TeamMember, User
from atdesk.reports.scope import ReportScope


@dataclass(frozen=True, slots=True)
class ScopeFilters:
    """What a page or API call asked for, before checking it against the viewer's brands."""

    brand_id: int | None = None
    team_id: int | None = None
    agent_id: int | None = None
    network: str | None = None
    intent: str | None = None
    issue_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def scope_for(
    session: Session, visible: frozenset[int] | None, filters: ScopeFilters
) -> ReportScope:
    """The scope a viewer who sees `visible` brands (None: all) may read for these filters.

    A brand, team, agent or issue outside the viewer's brands answers 404 as if it did not
    exist; a team narrows the brands to the ones it works on.
    """
    brands: tuple[int, ...] | None = None if visible is None else tuple(sorted(visible))
    if filters.brand_id is not None:
        exists = session.get(Brand, filters.brand_id) is not None
        if not exists or (visible is not None and filters.brand_id not in visible):
            raise NotFound(f"no brand {filters.brand_id} in your brands")
        brands = (filters.brand_id,)
    if filters.team_id is not None:
        if session.get(Team, filters.team_id) is None:
            raise NotFound(f"no team {filters.team_id}")
        team_brands = set(
            session.scalars(select(TeamBrand.brand_id).where(TeamBrand.team_id == filters.team_id))
        )
        if visible is not None and not team_brands & visible:
            raise NotFound(f"no team {filters.team_id} on your brands")
    if filters.agent_id is not None:
        if session.get(User, filters.agent_id) is None:
            raise NotFound(f"no agent {filters.agent_id}")
        if visible is not None:
            shared = session.scalar(
                select(TeamMember.user_id)
                .join(TeamBrand, TeamBrand.team_id == TeamMember.team_id)
                .where(
                    TeamMember.user_id == filters.agent_id,
                    TeamBrand.brand_id.in_(sorted(visible) or [-1]),
                )
                .limit(1)
            )
            if shared is None:
                raise NotFound(f"no agent {filters.agent_id} on your brands")
    if filters.issue_id is not None:
        issue = session.get(Issue, filters.issue_id)
        if issue is None or (visible is not None and issue.brand_id not in visible):
            raise NotFound(f"no issue {filters.issue_id} in your brands")
    if filters.network is not None and filters.network not in {n.value for n in Network}:
        names = ", ".join(n.value for n in Network)
        raise AppError(f"network {filters.network!r} is not one of {names}")
    since, until = _utc(filters.since), _utc(filters.until)
    if since is not None and until is not None and since >= until:
        raise AppError("since must be before until")
    return ReportScope(
        brand_ids=brands,
        team_id=filters.team_id,
        agent_id=filters.agent_id,
        network=filters.network,
        intent=filters.intent,
        issue_id=filters.issue_id,
        since=since,
        until=until,
    )
