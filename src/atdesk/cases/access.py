"""Who may see what: admins see every brand, everyone else their teams' brands (ADR 41, 77).

Every read and write of something that belongs to a brand goes through the helpers here:
`restrict` for lists, `visible_case` and `visible_customer` for one row, `visible_brands`
for the brands a page offers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, func, not_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from atdesk.domain.cases import Role
from atdesk.models import (
    Appointment,
    Author,
    Brand,
    Callback,
    Case,
    Customer,
    CustomerHandle,
    Post,
    Team,
    TeamBrand,
    TeamMember,
    User,
)

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
    return query.where(_in_brands(column if column is not None else Case.brand_id, brand_ids))


def _in_brands(column: Any, brand_ids: frozenset[int]) -> ColumnElement[bool]:
    """The column names one of these brands (an empty set matches nothing)."""
    return column.in_(sorted(brand_ids) or [-1])  # type: ignore[no-any-return]


def may_see_brand(brand_ids: frozenset[int] | None, brand_id: int | None) -> bool:
    """True when a row of this brand is the viewer's (None: a row of no brand, admins only)."""
    if brand_ids is None:
        return True
    return brand_id is not None and brand_id in brand_ids


def visible_brands(session: Session, brand_ids: frozenset[int] | None) -> Sequence[Brand]:
    """The brands a viewer may see and pick, by name."""
    return session.scalars(restrict(select(Brand).order_by(Brand.name), brand_ids, Brand.id)).all()


def visible_case(session: Session, user: User, case_id: int) -> Case:
    """The case if this user may see it; NotVisible otherwise (no hint that it exists)."""
    case = session.get(Case, case_id)
    brands = visible_brand_ids(session, user)
    if case is None or (brands is not None and case.brand_id not in brands):
        raise NotVisible(f"no case {case_id} in your brands")
    return case


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


def _customer_brands(match: Any) -> ColumnElement[bool]:
    """The customer (the outer query's Customer row) met a brand that `match` accepts.

    Meeting a brand is a case of theirs (directly or through one of their handles), a post of
    theirs addressed to the brand, a callback or an appointment with the brand.
    """
    by_author = Author.customer_id == Customer.id
    return or_(
        exists(select(Case.id).where(Case.customer_id == Customer.id, match(Case.brand_id))),
        exists(
            select(Case.id)
            .join(Author, Author.id == Case.customer_author_id)
            .where(by_author, match(Case.brand_id))
        ),
        exists(
            select(Post.id)
            .join(Author, Author.id == Post.author_id)
            .where(by_author, Post.brand_id.is_not(None), match(Post.brand_id))
        ),
        exists(
            select(Callback.id).where(Callback.customer_id == Customer.id, match(Callback.brand_id))
        ),
        exists(
            select(Appointment.id).where(
                Appointment.customer_id == Customer.id, match(Appointment.brand_id)
            )
        ),
    )


def customer_visible(brand_ids: frozenset[int] | None) -> ColumnElement[bool] | None:
    """Which customers a viewer sees (None: all): those who met one of the viewer's brands,
    and records that met no brand yet (an import or a record made by hand belongs to no
    brand); a customer only another brand has met is hidden (ADR 77)."""
    if brand_ids is None:
        return None
    mine = sorted(brand_ids) or [-1]
    return or_(
        _customer_brands(lambda column: column.in_(mine)),
        not_(_customer_brands(lambda column: column.is_not(None))),
    )


def visible_customer(
    session: Session, brand_ids: frozenset[int] | None, customer_id: int
) -> Customer:
    """The customer if this viewer may see it; NotVisible otherwise (no hint that it exists)."""
    query = select(Customer).where(Customer.id == customer_id)
    rule = customer_visible(brand_ids)
    customer = session.scalar(query if rule is None else query.where(rule))
    if customer is None:
        raise NotVisible(f"no customer {customer_id} in your brands")
    return customer


def handle_outside(
    session: Session, brand_ids: frozenset[int] | None, network: str, handle_key: str
) -> bool:
    """True when the people writing as this handle wrote to a brand the viewer may not see:
    linking it would hand another brand's cases to a record of the viewer's choosing."""
    if brand_ids is None:
        return False
    mine = sorted(brand_ids) or [-1]
    authors = select(Author.id).where(
        Author.network == network, func.lower(Author.handle) == handle_key
    )
    elsewhere = or_(
        exists(
            select(Case.id).where(Case.customer_author_id.in_(authors), Case.brand_id.not_in(mine))
        ),
        exists(
            select(Post.id).where(
                Post.author_id.in_(authors),
                Post.brand_id.is_not(None),
                Post.brand_id.not_in(mine),
            )
        ),
    )
    return bool(session.scalar(select(elsewhere)))


def held_out_of_sight(
    session: Session,
    brand_ids: frozenset[int] | None,
    network: str,
    handle_key: str,
    customer_id: int,
) -> bool:
    """True when another record the viewer may not see holds this handle: the refusal then
    says "another customer's" without naming that record."""
    holder = session.scalar(
        select(CustomerHandle.customer_id).where(
            CustomerHandle.network == network, CustomerHandle.handle_key == handle_key
        )
    )
    if holder is None or holder == customer_id:
        return False
    try:
        visible_customer(session, brand_ids, holder)
    except NotVisible:
        return True
    return False
