"""What the reports filters offer a viewer: their brands, the teams and agents on them, the
networks and intents. Nothing outside the viewer's brands is ever offered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import in_brands, visible_brands
from atdesk.domain.networks import Network
from atdesk.domain.triage import Intent
from atdesk.models import Brand, Team, TeamBrand, TeamMember, User

NETWORK_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a filter: the value sent and the name shown."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Choices:
    """Every filter's options for one viewer."""

    brands: list[Choice]
    teams: list[Choice]
    agents: list[Choice]
    networks: list[Choice]
    intents: list[Choice]


def filter_choices(session: Session, brand_ids: frozenset[int] | None) -> Choices:
    """The options of each filter for a viewer who sees these brands (None: every brand)."""
    brands: Sequence[Brand] = visible_brands(session, brand_ids)
    teams_query = select(Team.id, Team.name).order_by(Team.name)
    if brand_ids is not None:
        teams_query = teams_query.where(
            Team.id.in_(select(TeamBrand.team_id).where(in_brands(TeamBrand.brand_id, brand_ids)))
        )
    teams = session.execute(teams_query).all()
    team_ids = [t.id for t in teams]
    agents_query = (
        select(User.id, User.display_name, User.username)
        .where(User.id.in_(select(TeamMember.user_id).where(TeamMember.team_id.in_(team_ids))))
        .order_by(User.username)
        if brand_ids is not None
        else select(User.id, User.display_name, User.username).order_by(User.username)
    )
    return Choices(
        brands=[Choice(str(b.id), b.name) for b in brands],
        teams=[Choice(str(t.id), t.name) for t in teams],
        agents=[
            Choice(str(a.id), a.display_name or a.username)
            for a in session.execute(agents_query).all()
        ],
        networks=[Choice(n.value, NETWORK_NAMES.get(n.value, n.value)) for n in Network],
        intents=[Choice(i.value, i.value.replace("_", " ")) for i in Intent],
    )
