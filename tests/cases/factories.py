"""Builders for the people side of tests: staff with roles, teams on brands, skills, presence."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from atdesk.accounts.service import create_user
from atdesk.accounts.teams import create_team, set_brands, set_members, set_presence, set_skills
from atdesk.domain.cases import Role
from atdesk.models import Brand, Team, User

PASSWORD = "correct horse battery"


def staff(
    session: Session,
    username: str,
    role: Role = Role.AGENT,
    *,
    online: bool = False,
    languages: Sequence[str] = (),
    intents: Sequence[str] = (),
    capacity: int = 8,
    display_name: str = "",
) -> User:
    """A user with a routing profile; online users can be routed cases at once."""
    user = create_user(
        session, username=username, password=PASSWORD, role=role, display_name=display_name
    )
    set_skills(session, user, languages=languages, intents=intents, capacity=capacity, actor="test")
    set_presence(session, user, "online" if online else "away")
    return user


def team(
    session: Session,
    name: str,
    brands: Sequence[Brand],
    members: Sequence[User],
    *,
    auto_assign: bool = True,
) -> Team:
    """A team working on these brands with these members."""
    created = create_team(session, name, actor="test", auto_assign=auto_assign)
    set_brands(session, created, [b.id for b in brands], actor="test")
    set_members(session, created, [u.id for u in members], actor="test")
    return created
