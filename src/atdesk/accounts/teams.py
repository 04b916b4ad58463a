"""Teams, their members and brands, and each agent's routing profile: skills, capacity, presence."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from atdesk.accounts.service import AccountError
from atdesk.cases import audit
from atdesk.domain.triage import Intent
from atdesk.models import AgentProfile, Brand, Team, TeamBrand, TeamMember, User
from atdesk.models.base import utcnow

PRESENCE_STATES = ("online", "away")


def create_team(
    session: Session, name: str, *, actor: User | str, auto_assign: bool = True
) -> Team:
    """A new team; names are unique."""
    name = name.strip()
    if not name:
        raise AccountError("a team needs a name")
    if session.scalar(select(Team).where(Team.name == name)) is not None:
        raise AccountError(f"team {name!r} already exists")
    team = Team(name=name, auto_assign=auto_assign)
    session.add(team)
    session.flush()
    audit.record(
        session,
        entity_type="team",
        entity_id=team.id,
        action="team.created",
        actor=actor,
        after={"name": name, "auto_assign": auto_assign},
    )
    return team


def set_auto_assign(session: Session, team: Team, on: bool, *, actor: User | str) -> None:
    """Turn round-robin routing on or off for a team."""
    if team.auto_assign == on:
        return
    audit.record(
        session,
        entity_type="team",
        entity_id=team.id,
        action="team.auto_assign",
        actor=actor,
        before={"auto_assign": team.auto_assign},
        after={"auto_assign": on},
    )
    team.auto_assign = on
    session.flush()


def set_members(
    session: Session, team: Team, user_ids: Iterable[int], *, actor: User | str
) -> None:
    """Make exactly these users the team's members."""
    wanted = set(user_ids)
    current = set(session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team.id)))
    if wanted == current:
        return
    session.execute(
        delete(TeamMember).where(
            TeamMember.team_id == team.id, TeamMember.user_id.in_(current - wanted)
        )
    )
    session.add_all(TeamMember(team_id=team.id, user_id=u) for u in sorted(wanted - current))
    for user_id in wanted - current:
        ensure_profile(session, user_id)
    audit.record(
        session,
        entity_type="team",
        entity_id=team.id,
        action="team.members",
        actor=actor,
        before={"user_ids": sorted(current)},
        after={"user_ids": sorted(wanted)},
    )
    session.flush()


def set_brands(
    session: Session, team: Team, brand_ids: Iterable[int], *, actor: User | str
) -> None:
    """Make exactly these brands the team's brands (what its members see and are routed)."""
    wanted = set(brand_ids)
    known = set(session.scalars(select(Brand.id).where(Brand.id.in_(wanted)))) if wanted else set()
    if wanted - known:
        raise AccountError(f"no brand with id {sorted(wanted - known)[0]}")
    current = set(session.scalars(select(TeamBrand.brand_id).where(TeamBrand.team_id == team.id)))
    if wanted == current:
        return
    session.execute(
        delete(TeamBrand).where(
            TeamBrand.team_id == team.id, TeamBrand.brand_id.in_(current - wanted)
        )
    )
    session.add_all(TeamBrand(team_id=team.id, brand_id=b) for b in sorted(wanted - current))
    audit.record(
        session,
        entity_type="team",
        entity_id=team.id,
        action="team.brands",
        actor=actor,
        before={"brand_ids": sorted(current)},
        after={"brand_ids": sorted(wanted)},
    )
    session.flush()


def ensure_profile(session: Session, user_id: int) -> AgentProfile:
    """The user's routing profile, created with defaults on first use."""
    profile = session.get(AgentProfile, user_id)
    if profile is None:
        profile = AgentProfile(user_id=user_id, languages=[], intents=[], capacity=8)
        profile.presence = "away"
        session.add(profile)
        session.flush()
    return profile


def set_skills(
    session: Session,
    user: User,
    *,
    languages: Iterable[str],
    intents: Iterable[str],
    capacity: int,
    actor: User | str,
) -> AgentProfile:
    """Languages and intents routing gives this agent (none listed: any), and how many at once."""
    langs = sorted({lang.strip().lower() for lang in languages if lang.strip()})
    bad = [lang for lang in langs if len(lang) != 2 or not lang.isalpha()]
    if bad:
        raise AccountError(f"language {bad[0]!r}: use two-letter codes like en, es, fr")
    valid_intents = {i.value for i in Intent}
    wanted = sorted({i.strip() for i in intents if i.strip()})
    unknown = [i for i in wanted if i not in valid_intents]
    if unknown:
        raise AccountError(
            f"unknown intent {unknown[0]!r}; use one of {', '.join(sorted(valid_intents))}"
        )
    if not 0 <= capacity <= 500:
        raise AccountError("capacity must be between 0 and 500 open cases")
    profile = ensure_profile(session, user.id)
    before = {
        "languages": profile.languages,
        "intents": profile.intents,
        "capacity": profile.capacity,
    }
    profile.languages, profile.intents, profile.capacity = langs, wanted, capacity
    after = {"languages": langs, "intents": wanted, "capacity": capacity}
    if before != after:
        audit.record(
            session,
            entity_type="user",
            entity_id=user.id,
            action="user.skills",
            actor=actor,
            before=before,
            after=after,
        )
    session.flush()
    return profile


def set_presence(
    session: Session, user: User, state: str, *, now: datetime | None = None
) -> AgentProfile:
    """Online (routing may assign) or away (it may not)."""
    if state not in PRESENCE_STATES:
        raise AccountError(f"presence must be one of {', '.join(PRESENCE_STATES)}")
    profile = ensure_profile(session, user.id)
    when = now or utcnow()
    if profile.presence != state:
        profile.presence = state
        profile.presence_changed_at = when
    profile.last_seen_at = when
    session.flush()
    return profile


def touch(session: Session, user: User, *, now: datetime | None = None) -> None:
    """Note that the user is still here (a heartbeat from an open page)."""
    profile = ensure_profile(session, user.id)
    profile.last_seen_at = now or utcnow()


def teams_of(session: Session, user_id: int) -> list[Team]:
    """The teams a user is in, by name."""
    return list(
        session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == user_id)
            .order_by(Team.name)
        )
    )
