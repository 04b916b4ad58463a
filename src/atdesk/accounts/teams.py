"""Teams, their members and brands, and each agent's routing profile: skills, capacity, presence."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from atdesk.accounts.service import AccountError
from atdesk.audit import service as audit
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


def _brands_named(session: Session, names: Iterable[str]) -> list[Brand]:
    """The brands with these names (exact, else ignoring case); AccountError names a missing one."""
    found: list[Brand] = []
    for name in names:
        brand = session.scalar(select(Brand).where(Brand.name == name)) or session.scalar(
            select(Brand).where(func.lower(Brand.name) == name.lower())
        )
        if brand is None:
            raise AccountError(f"no brand named {name!r}; add it first with `atdesk brands add`")
        found.append(brand)
    return found


def _users_named(session: Session, usernames: Iterable[str]) -> list[User]:
    """The users with these usernames; AccountError names a missing one."""
    found: list[User] = []
    for username in usernames:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise AccountError(f"no user named {username!r}; add it first with `atdesk users add`")
        found.append(user)
    return found


def ensure_team(
    session: Session,
    name: str,
    *,
    brand_names: Sequence[str] | None,
    usernames: Sequence[str] | None,
    actor: User | str,
) -> tuple[Team, bool]:
    """The team with exactly these brands and members, made or changed to fit (None: leave
    that part as it is); True when it was new. Running it twice changes nothing, and a brand
    or user that does not exist changes nothing at all."""
    brands = _brands_named(session, brand_names) if brand_names is not None else None
    members = _users_named(session, usernames) if usernames is not None else None
    team = session.scalar(select(Team).where(Team.name == name.strip()))
    created = team is None
    if team is None:
        team = create_team(session, name, actor=actor)
    if brands is not None:
        set_brands(session, team, [b.id for b in brands], actor=actor)
    if members is not None:
        set_members(session, team, [u.id for u in members], actor=actor)
    return team, created


def team_summary(session: Session, team: Team) -> tuple[list[str], list[str]]:
    """The names of a team's brands and the usernames of its members, sorted."""
    brands = session.scalars(
        select(Brand.name)
        .join(TeamBrand, TeamBrand.brand_id == Brand.id)
        .where(TeamBrand.team_id == team.id)
        .order_by(Brand.name)
    )
    members = session.scalars(
        select(User.username)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team.id)
        .order_by(User.username)
    )
    return list(brands), list(members)
