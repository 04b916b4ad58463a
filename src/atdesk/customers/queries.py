"""Reading customer records with their handles and cases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from atdesk.customers.schemas import CustomerOut, HandleOut
from atdesk.models import Author, Case, Customer, CustomerHandle


def list_customers(
    session: Session, *, q: str | None, limit: int, offset: int
) -> tuple[Sequence[Customer], int]:
    """Customers matching a name, email, phone, external id or handle."""
    query = select(Customer)
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


def case_ids_of(session: Session, customer_id: int) -> list[int]:
    """Every case of the customer, on every network, newest first."""
    return list(
        session.scalars(
            select(Case.id)
            .where(
                or_(
                    Case.customer_id == customer_id,
                    Case.customer_author_id.in_(
                        select(Author.id).where(Author.customer_id == customer_id)
                    ),
                )
            )
            .order_by(Case.opened_at.desc())
        )
    )


def customer_out(session: Session, customer: Customer) -> CustomerOut:
    """The API view of a customer."""
    return CustomerOut(
        id=customer.id,
        external_id=customer.external_id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        handles=[HandleOut.model_validate(h) for h in customer.handles],
        case_ids=case_ids_of(session, customer.id),
        created_at=customer.created_at,
    )
