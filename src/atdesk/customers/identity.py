"""Knowing who wrote: a handle bound to a customer record (by the brand's CRM or the customer's
own link), and the listeners that carry on with what waited for it, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.config import Settings
from atdesk.customers.service import create_customer, link_handle, update_customer
from atdesk.customers.verification import PendingLink
from atdesk.domain.networks import Network
from atdesk.integrations.identity import CrmCustomer
from atdesk.models import Author, Case, Customer


class IdentifiedListener(Protocol):
    """Carries on with what waited for an author's identity (a callback, a reschedule)."""

    def __call__(
        self,
        session: Session,
        *,
        author: Author,
        customer: Customer,
        settings: Settings,
        now: datetime | None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class _Listener:
    order: int
    listener: IdentifiedListener


IDENTIFIED: list[_Listener] = []


def on_identified(order: int) -> Callable[[IdentifiedListener], IdentifiedListener]:
    """Register a listener; lower `order` runs first (callbacks before reschedules, as the
    customer is told in that order). Registering the same function twice is a no-op."""

    def register(listener: IdentifiedListener) -> IdentifiedListener:
        if all(entry.listener is not listener for entry in IDENTIFIED):
            IDENTIFIED.append(_Listener(order, listener))
            IDENTIFIED.sort(key=lambda entry: entry.order)
        return listener

    return register


def emit_identified(
    session: Session,
    *,
    author: Author,
    customer: Customer,
    settings: Settings,
    now: datetime | None = None,
) -> None:
    """Everything that waited for this author's identity carries on (at `now`, the clock unless
    given), in the caller's transaction."""
    for entry in IDENTIFIED:
        entry.listener(session, author=author, customer=customer, settings=settings, now=now)


def bind_crm_record(session: Session, record: CrmCustomer, author: Author) -> Customer:
    """Store what the brand's CRM knows and link the handle to that record."""
    customer = session.scalar(select(Customer).where(Customer.external_id == record.external_id))
    fields = {"name": record.name, "email": record.email, "phone": record.phone}
    if customer is None:
        customer = create_customer(
            session,
            name=record.name or author.name or author.handle,
            email=record.email,
            phone=record.phone,
            external_id=record.external_id,
            actor="crm",
        )
    else:
        update_customer(session, customer, {k: v for k, v in fields.items() if v}, actor="crm")
    link_handle(
        session, customer, Network(author.network), author.handle, actor="crm", source="crm"
    )
    author.customer_id = customer.id
    session.flush()
    return customer


def complete_link(
    session: Session, pending: PendingLink, *, settings: Settings, now: datetime | None = None
) -> None:
    """After the customer used their link: carry on with what waited for it."""
    if pending.author is not None:
        emit_identified(
            session, author=pending.author, customer=pending.customer, settings=settings, now=now
        )
    case_id = pending.verification.case_id
    if case_id is not None:
        case = session.get(Case, case_id)
        if case is not None and case.customer_id is None:
            case.customer_id = pending.customer.id
    session.flush()
