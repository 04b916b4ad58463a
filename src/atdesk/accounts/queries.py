"""Reads of people and teams for the admin pages, so the routes run no SQL (issue 12)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from atdesk.models import AgentProfile, Team, TeamBrand, TeamMember, User
from atdesk.ui.paging import name_matches


def users_query(q: str) -> Select[User]:
    """Users by username, matching the search on username or display name (for paging)."""
    query = select(User).order_by(User.username)
    matching = name_matches(q, User.username, User.display_name)
    return query if matching is None else query.where(matching)


def profiles_of(session: Session, user_ids: Sequence[int]) -> dict[int, AgentProfile]:
    """The routing profiles of these users, by user id (users without one are absent)."""
    return {
        p.user_id: p
        for p in session.scalars(select(AgentProfile).where(AgentProfile.user_id.in_(user_ids)))
    }


def team_names_by_user(session: Session) -> dict[int, list[str]]:
    """The names of the teams each user belongs to, by user id."""
    out: dict[int, list[str]] = {}
    for user_id, name in session.execute(
        select(TeamMember.user_id, Team.name).join(Team, Team.id == TeamMember.team_id)
    ):
        out.setdefault(user_id, []).append(name)
    return out


def teams_by_name(session: Session, team_ids: Sequence[int] | None = None) -> Sequence[Team]:
    """Teams by name: every team, or only these (an empty list gives none)."""
    query = select(Team).order_by(Team.name)
    if team_ids is not None:
        query = query.where(Team.id.in_(list(team_ids) or [-1]))
    return session.scalars(query).all()


def users_by_id(session: Session, user_ids: Iterable[int]) -> dict[int, User]:
    """These users by id (for names beside posts and cases)."""
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(set(user_ids))))}


def members_by_team(session: Session) -> dict[int, set[int]]:
    """The user ids of each team's members, by team id."""
    members: dict[int, set[int]] = {}
    for team_id, user_id in session.execute(select(TeamMember.team_id, TeamMember.user_id)):
        members.setdefault(team_id, set()).add(user_id)
    return members


def brands_by_team(session: Session) -> dict[int, set[int]]:
    """The brand ids each team works on, by team id."""
    brands: dict[int, set[int]] = {}
    for team_id, brand_id in session.execute(select(TeamBrand.team_id, TeamBrand.brand_id)):
        brands.setdefault(team_id, set()).add(brand_id)
    return brands


def active_users(session: Session) -> Sequence[User]:
    """Users who may log in, by username (the people a team can take in)."""
    return session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
