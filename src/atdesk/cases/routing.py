"""Routing new cases: the brand's team, then round-robin among online agents with room and skill."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.domain.cases import CaseStatus, Role
from atdesk.models import AgentProfile, Case, Team, TeamBrand, TeamMember, User

ROUTER = "router"
PRESENCE_TIMEOUT = timedelta(minutes=5)
ACTIVE_STATUSES = (CaseStatus.NEW.value, CaseStatus.OPEN.value)


@dataclass(slots=True)
class Candidate:
    """An agent routing may pick, with the load it already carries."""

    user: User
    profile: AgentProfile
    load: int

    def fits(self, case: Case) -> bool:
        """Room under the capacity, and the skills the case needs (no skills listed: any)."""
        if self.load >= self.profile.capacity:
            return False
        languages = self.profile.languages or []
        intents = self.profile.intents or []
        if languages and (case.language or "") not in languages:
            return False
        return not (intents and (case.intent or "") not in intents)

    def sort_key(self) -> tuple[int, datetime, int]:
        """Least recently assigned first: that is the round robin."""
        last = self.profile.last_assigned_at
        return (0 if last is None else 1, last or datetime.min.replace(tzinfo=UTC), self.user.id)


def is_online(profile: AgentProfile, now: datetime) -> bool:
    """Online and seen recently: a closed laptop stops receiving cases within minutes."""
    return (
        profile.presence == "online"
        and profile.last_seen_at is not None
        and now - profile.last_seen_at <= PRESENCE_TIMEOUT
    )


def _teams_by_brand(session: Session, brand_ids: set[int]) -> dict[int, list[Team]]:
    out: dict[int, list[Team]] = defaultdict(list)
    rows = session.execute(
        select(TeamBrand.brand_id, Team)
        .join(Team, Team.id == TeamBrand.team_id)
        .where(TeamBrand.brand_id.in_(sorted(brand_ids)))
        .order_by(Team.id)
    )
    for brand_id, team in rows:
        out[brand_id].append(team)
    return out


def _candidates(session: Session, team_ids: set[int], now: datetime) -> dict[int, list[Candidate]]:
    """Online members of these teams, with their open-case load, per team."""
    rows = session.execute(
        select(TeamMember.team_id, User, AgentProfile)
        .join(User, User.id == TeamMember.user_id)
        .join(AgentProfile, AgentProfile.user_id == User.id)
        .where(
            TeamMember.team_id.in_(sorted(team_ids)),
            User.active.is_(True),
            User.role.in_([Role.AGENT.value, Role.SUPERVISOR.value]),
        )
    ).all()
    online = {user.id: (user, profile) for _, user, profile in rows if is_online(profile, now)}
    loads: dict[int, int] = {}
    if online:
        for assignee_id, count in session.execute(
            select(Case.assignee_id, func.count(Case.id))
            .where(
                Case.assignee_id.in_(sorted(online)),
                Case.status.in_(ACTIVE_STATUSES),
                Case.history == false(),
            )
            .group_by(Case.assignee_id)
        ):
            if assignee_id is not None:
                loads[assignee_id] = int(count)
    shared: dict[int, Candidate] = {
        uid: Candidate(user, profile, int(loads.get(uid, 0)))
        for uid, (user, profile) in online.items()
    }
    out: dict[int, list[Candidate]] = defaultdict(list)
    for team_id, user, _ in rows:
        if user.id in shared:
            out[team_id].append(shared[user.id])
    return out


def route_cases(session: Session, cases: Sequence[Case], *, now: datetime) -> int:
    """Give each unassigned case a team and, where the team routes automatically, an agent.

    Returns how many cases got an agent. Cases that find nobody wait in their team's queue.
    """
    todo = [c for c in cases if c.assignee_id is None and c.status != CaseStatus.RESOLVED.value]
    if not todo:
        return 0
    teams = _teams_by_brand(session, {c.brand_id for c in todo})
    if not teams:
        return 0
    team_ids = {t.id for ts in teams.values() for t in ts}
    candidates = _candidates(session, team_ids, now)
    assigned = 0
    for case in sorted(todo, key=lambda c: (-c.priority_rank, c.opened_at, c.id)):
        options = teams.get(case.brand_id, [])
        if not options:
            continue
        before = {"team_id": case.team_id, "assignee_id": case.assignee_id}
        pick: Candidate | None = None
        chosen_team = next((t for t in options if t.id == case.team_id), None)
        for team in [chosen_team] if chosen_team else options:
            if not team.auto_assign:
                continue
            fitting = [c for c in candidates.get(team.id, []) if c.fits(case)]
            if fitting:
                pick = min(fitting, key=Candidate.sort_key)
                case.team_id = team.id
                break
        if case.team_id is None:
            case.team_id = options[0].id
        if pick is not None:
            case.assignee_id = pick.user.id
            case.assigned_at = now
            pick.profile.last_assigned_at = now
            pick.load += 1
            assigned += 1
        after = {"team_id": case.team_id, "assignee_id": case.assignee_id}
        if after != before:
            audit.record(
                session,
                entity_type="case",
                entity_id=case.id,
                action="case.routed",
                actor=ROUTER,
                before=before,
                after={**after, "assignee": pick.user.username if pick else None},
            )
    session.flush()
    return assigned
