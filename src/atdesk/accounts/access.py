"""Who may see what: admins see every brand, everyone else their teams' brands (ADR 41, 77).

Every read and write of something that belongs to a brand goes through the helpers here and
in cases/customers access: `restrict` for lists, `visible_brands` for the brands a page offers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from atdesk.domain.cases import Role
from atdesk.domain.ids import parse_id
from atdesk.models import Brand, Case, Team, TeamBrand, TeamMember, User

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


class NotVisible(LookupError):
    """The row does not exist or belongs to a brand outside the user's teams (same answer)."""


def visible_brand_ids(session: Session, user: User) -> frozenset[int] | None:
    """The brands a user works on; None means every brand.

    Admins see every brand. Until an admin creates the first team, so does everyone (a new
    install set up from the command line works at once); from then on, agents and
    supervisors see only their teams' brands.
    """
    if user.role == Role.ADMIN.value:
        return None
    if session.scalar(select(Team.id).limit(1)) is None:
        return None
    rows = session.scalars(
        select(TeamBrand.brand_id)
        .join(TeamMember, TeamMember.team_id == TeamBrand.team_id)
        .where(TeamMember.user_id == user.id)
    )
    return frozenset(rows)


def restrict(
    query: Q,
    brand_ids: frozenset[int] | None,
    column: InstrumentedAttribute[int] | InstrumentedAttribute[int | None] | None = None,
) -> Q:
    """Limit a query to rows of the brands a user may see (by Case.brand_id unless told)."""
    if brand_ids is None:
        return query
    return query.where(in_brands(column if column is not None else Case.brand_id, brand_ids))


def in_brands(column: Any, brand_ids: frozenset[int]) -> ColumnElement[bool]:
    """The column names one of these brands (an empty set matches nothing)."""
    return column.in_(sorted(brand_ids) or [-1])  # type: ignore[no-any-return]


def may_see_brand(brand_ids: frozenset[int] | None, brand_id: int | None) -> bool:
    """True when a row of this brand is the viewer's (None: a row of no brand, admins only)."""
    if brand_ids is None:
        return True
    return brand_id is not None and brand_id in brand_ids


def may_lead_brand(user: User, brand_ids: frozenset[int] | None, brand_id: int) -> bool:
    """Admins, and supervisors of the brand, set its policies (what work costs, how long data
    is kept); agents ask one of them."""
    if user.role == Role.ADMIN.value:
        return True
    return user.role == Role.SUPERVISOR.value and may_see_brand(brand_ids, brand_id)


def visible_brands(session: Session, brand_ids: frozenset[int] | None) -> Sequence[Brand]:
    """The brands a viewer may see and pick, by name."""
    return session.scalars(restrict(select(Brand).order_by(Brand.name), brand_ids, Brand.id)).all()


def visible_brand(session: Session, brand_ids: frozenset[int] | None, brand_id: int) -> Brand:
    """The brand with this id if the viewer may see it; else NotVisible, as for a missing one."""
    brand = session.get(Brand, brand_id)
    if brand is None or not may_see_brand(brand_ids, brand.id):
        raise NotVisible(f"no brand {brand_id} in your brands")
    return brand


@dataclass(frozen=True, slots=True)
class BrandChoice:
    """The brands a page's picker offers and the one picked (None: all of them)."""

    brands: list[Brand]
    chosen: Brand | None

    @property
    def chosen_id(self) -> int | None:
        """The picked brand's id, for queries that take one."""
        return self.chosen.id if self.chosen is not None else None


def choose_brand(
    session: Session, brand_ids: frozenset[int] | None, raw_id: str | None
) -> BrandChoice:
    """The viewer's brands and the one a `brand_id` parameter picks; not theirs is NotVisible."""
    brands = list(visible_brands(session, brand_ids))
    chosen_id = parse_id(raw_id or "")
    if chosen_id is None:
        return BrandChoice(brands, None)
    chosen = next((b for b in brands if b.id == chosen_id), None)
    if chosen is None:
        raise NotVisible(f"no brand {chosen_id} in your brands")
    return BrandChoice(brands, chosen)


def user_team_ids(session: Session, user: User) -> list[int]:
    """The teams a user belongs to."""
    return list(
        session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user.id)).all()
    )


def assignable_users(session: Session, brand_ids: frozenset[int] | None) -> Sequence[User]:
    """Active users in teams on these brands (every active user when brand_ids is None)."""
    query = select(User).where(User.active.is_(True)).order_by(User.display_name, User.username)
    if brand_ids is not None:
        members = (
            select(TeamMember.user_id)
            .join(TeamBrand, TeamBrand.team_id == TeamMember.team_id)
            .where(TeamBrand.brand_id.in_(sorted(brand_ids) or [-1]))
        )
        query = query.where(User.id.in_(members))
    return session.scalars(query).all()


def can_work_on(session: Session, user: User, brand_id: int) -> bool:
    """True when the user's teams include the brand (admins work on every brand)."""
    if user.role == Role.ADMIN.value:
        return True
    found = session.scalar(
        select(TeamMember.user_id)
        .join(TeamBrand, TeamBrand.team_id == TeamMember.team_id)
        .where(TeamMember.user_id == user.id, TeamBrand.brand_id == brand_id)
        .limit(1)
    )
    return found is not None


def team_brand_ids(session: Session, team_ids: Sequence[int]) -> frozenset[int]:
    """The brands these teams work on."""
    if not team_ids:
        return frozenset()
    return frozenset(
        session.scalars(select(TeamBrand.brand_id).where(TeamBrand.team_id.in_(team_ids)))
    )
