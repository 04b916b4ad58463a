"""Which customers a viewer may see: those their brands have met (ADR 77)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.models import Appointment, Author, Callback, Case, Customer, CustomerHandle, Post


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
