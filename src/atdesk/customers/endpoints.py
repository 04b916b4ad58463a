"""REST API for customers (SPEC.md §7): list, create, read, update, link and unlink handles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from atdesk.cases.schemas import Page
from atdesk.customers import service
from atdesk.customers.queries import customer_out, list_customers
from atdesk.customers.schemas import CustomerCreate, CustomerOut, CustomerUpdate, HandleIn
from atdesk.domain.ids import Offset, RowId
from atdesk.models import Customer
from atdesk.web.deps import ApiUser, DbSession

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


def _get(session: DbSession, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise HTTPException(status_code=404, detail=f"no customer {customer_id}")
    return customer


def _unprocessable(exc: service.CustomerError) -> HTTPException:
    return HTTPException(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc))


@router.get("")
def get_customers(
    session: DbSession,
    _user: ApiUser,
    q: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> Page[CustomerOut]:
    """Customers, optionally matching a search term."""
    rows, total = list_customers(session, q=q, limit=limit, offset=offset)
    return Page[CustomerOut](
        items=[customer_out(session, c) for c in rows], total=total, limit=limit, offset=offset
    )


@router.post("", status_code=201)
def post_customer(body: CustomerCreate, session: DbSession, user: ApiUser) -> CustomerOut:
    """Create a customer with its handles."""
    try:
        customer = service.create_customer(
            session,
            name=body.name,
            email=body.email,
            phone=body.phone,
            external_id=body.external_id,
            actor=user,
        )
        for h in body.handles:
            service.link_handle(session, customer, h.network, h.handle, actor=user)
    except service.CustomerError as exc:
        raise _unprocessable(exc) from None
    session.refresh(customer)
    return customer_out(session, customer)


@router.get("/{customer_id}")
def get_customer(customer_id: RowId, session: DbSession, _user: ApiUser) -> CustomerOut:
    """One customer with handles and cases."""
    return customer_out(session, _get(session, customer_id))


@router.patch("/{customer_id}")
def patch_customer(
    customer_id: RowId, body: CustomerUpdate, session: DbSession, user: ApiUser
) -> CustomerOut:
    """Change contact data; the change is audited."""
    customer = _get(session, customer_id)
    try:
        service.update_customer(session, customer, body.model_dump(exclude_unset=True), actor=user)
    except service.CustomerError as exc:
        raise _unprocessable(exc) from None
    return customer_out(session, customer)


@router.post("/{customer_id}/handles", status_code=201)
def post_handle(
    customer_id: RowId, body: HandleIn, session: DbSession, user: ApiUser
) -> CustomerOut:
    """Link a network handle to the customer."""
    customer = _get(session, customer_id)
    try:
        service.link_handle(session, customer, body.network, body.handle, actor=user)
    except service.CustomerError as exc:
        raise _unprocessable(exc) from None
    session.refresh(customer)
    return customer_out(session, customer)


@router.delete("/{customer_id}/handles/{handle_id}")
def delete_handle(
    customer_id: RowId, handle_id: RowId, session: DbSession, user: ApiUser
) -> CustomerOut:
    """Unlink a handle."""
    customer = _get(session, customer_id)
    try:
        service.unlink_handle(session, customer, handle_id, actor=user)
    except service.CustomerError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    session.refresh(customer)
    return customer_out(session, customer)
