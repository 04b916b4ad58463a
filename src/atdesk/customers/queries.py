"""Reading customer records with their handles and cases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from atdesk.accounts.access import restrict
from atdesk.customers.access import customer_visible
from atdesk.customers.schemas import CustomerOut, HandleOut
from atdesk.models import Author, Case, Customer, CustomerHandle


def list_customers(
    session: Session,
    *,
    q: str | None,
    limit: int,
    offset: int,
    brand_ids: frozenset[int] | None = None,
) -> tuple[Sequence[Customer], int]:
    """Customers a viewer may see (brand_ids None: all) matching a name, email, phone,
    external id or handle."""
    query = select(Customer)
    visible = customer_visible(brand_ids)
    if visible is not None:
        query = query.where(visible)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Customer.name).like(like),
                func.lower(Customer.email).like(like),
                Customer.phone.like(like),
                func.lower(Customer.external_id).like(like),
                Customer.id.in_(
                    select(CustomerHandle.customer_id).where(CustomerHandle.handle_key.like(like))
                ),
            )
        )
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(
        query.options(selectinload(Customer.handles))
        .order_by(Customer.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, total


def case_ids_of(
    session: Session, customer_id: int, brand_ids: frozenset[int] | None = None
) -> list[int]:
    """The customer's cases on every network in these brands (None: all), newest first."""
    query = select(Case.id).where(
        or_(
            Case.customer_id == customer_id,
            Case.customer_author_id.in_(select(Author.id).where(Author.customer_id == customer_id)),
        )
    )
    return list(session.scalars(restrict(query, brand_ids).order_by(Case.opened_at.desc())))


def customer_out(
    session: Session, customer: Customer, brand_ids: frozenset[int] | None = None
) -> CustomerOut:
    """The API view of a customer, listing only the cases of the viewer's brands."""
    return CustomerOut(
        id=customer.id,
        external_id=customer.external_id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        handles=[HandleOut.model_validate(h) for h in customer.handles],
        case_ids=case_ids_of(session, customer.id, brand_ids),
        created_at=customer.created_at,
    )


def customers_by_id(session: Session, ids: set[int]) -> dict[int, Customer]:
    """Customers by id in one query, for lists that show who each row is for."""
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(sorted(ids))))}


def customer_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Display names by customer id (a number for a nameless record), for calendar feeds."""
    if not ids:
        return {}
    return {
        c.id: c.name or f"customer {c.id}"
        for c in session.scalars(select(Customer).where(Customer.id.in_(sorted(ids))))
    }
