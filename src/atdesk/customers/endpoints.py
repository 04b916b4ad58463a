"""REST API for customers (SPEC.md §7): list, create, read, update, link and unlink handles.

Everything here is limited to the viewer's brands (ADR 77): a customer only another brand has
met answers 404 like one that does not exist, and a handle that writes to another brand's
accounts is not linked by someone outside that brand.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.cases.schemas import Page
from atdesk.customers import service
from atdesk.customers.access import handle_outside, held_out_of_sight, visible_customer
from atdesk.customers.queries import customer_out, list_customers
from atdesk.customers.schemas import CustomerCreate, CustomerOut, CustomerUpdate, HandleIn
from atdesk.domain.handles import handle_key
from atdesk.domain.ids import Offset, RowId
from atdesk.models import Customer
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


def _get(session: DbSession, viewer: Viewer, customer_id: int) -> Customer:
    """The customer if the viewer's brands have met them; 404 otherwise (NotVisible)."""
    return visible_customer(session, viewer.brand_ids, customer_id)


def _check_handle(session: DbSession, viewer: Viewer, customer: Customer, handle: HandleIn) -> None:
    """Refuse a handle that other brands' cases come from, or that another record holds."""
    key = handle_key(handle.handle)
    if handle_outside(session, viewer.brand_ids, handle.network.value, key):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"{handle.network.value} handle {handle.handle!r} writes to brands outside "
            "your teams; ask an admin to link it",
        )
    if held_out_of_sight(session, viewer.brand_ids, handle.network.value, key, customer.id):
        raise service.CustomerError(
            f"{handle.network.value} handle {handle.handle!r} belongs to another customer"
        )


@router.get("")
def get_customers(
    session: DbSession,
    viewer: ApiViewer,
    q: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> Page[CustomerOut]:
    """Customers of your brands, optionally matching a search term."""
    rows, total = list_customers(
        session, q=q, limit=limit, offset=offset, brand_ids=viewer.brand_ids
    )
    return Page[CustomerOut](
        items=[customer_out(session, c, viewer.brand_ids) for c in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("", status_code=201)
def post_customer(body: CustomerCreate, session: DbSession, viewer: ApiViewer) -> CustomerOut:
    """Create a customer with its handles."""
    customer = service.create_customer(
        session,
        name=body.name,
        email=body.email,
        phone=body.phone,
        external_id=body.external_id,
        actor=viewer.user,
    )
    for h in body.handles:
        _check_handle(session, viewer, customer, h)
        service.link_handle(session, customer, h.network, h.handle, actor=viewer.user)
    session.refresh(customer)
    return customer_out(session, customer, viewer.brand_ids)


@router.get("/{customer_id}")
def get_customer(customer_id: RowId, session: DbSession, viewer: ApiViewer) -> CustomerOut:
    """One customer of your brands with handles and your brands' cases."""
    return customer_out(session, _get(session, viewer, customer_id), viewer.brand_ids)


@router.patch("/{customer_id}")
def patch_customer(
    customer_id: RowId, body: CustomerUpdate, session: DbSession, viewer: ApiViewer
) -> CustomerOut:
    """Change contact data; the change is audited."""
    customer = _get(session, viewer, customer_id)
    service.update_customer(
        session, customer, body.model_dump(exclude_unset=True), actor=viewer.user
    )
    return customer_out(session, customer, viewer.brand_ids)


@router.post("/{customer_id}/handles", status_code=201)
def post_handle(
    customer_id: RowId, body: HandleIn, session: DbSession, viewer: ApiViewer
) -> CustomerOut:
    """Link a network handle to the customer."""
    customer = _get(session, viewer, customer_id)
    _check_handle(session, viewer, customer, body)
    service.link_handle(session, customer, body.network, body.handle, actor=viewer.user)
    session.refresh(customer)
    return customer_out(session, customer, viewer.brand_ids)


@router.delete("/{customer_id}/handles/{handle_id}")
def delete_handle(
    customer_id: RowId, handle_id: RowId, session: DbSession, viewer: ApiViewer
) -> CustomerOut:
    """Unlink a handle."""
    customer = _get(session, viewer, customer_id)
    service.unlink_handle(session, customer, handle_id, actor=viewer.user)
    session.refresh(customer)
    return customer_out(session, customer, viewer.brand_ids)
