"""Reading automations for pages and the API, limited to the brands the viewer may see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from atdesk.automations.engine.schemas import (
    AppointmentOut,
    CallbackOut,
    CustomerRef,
    RuleOut,
)
from atdesk.automations.engine.service import spec_of
from atdesk.models import (
    Appointment,
    AutomationJob,
    AutomationRule,
    Brand,
    Callback,
    Customer,
    Open311Report,
    User,
)

Q = TypeVar("Q", bound=Select[Any])


def within(query: Q, column: Any, brand_ids: frozenset[int] | None) -> Q:
    """Only rows of the brands the viewer may see (None: every brand)."""
    if brand_ids is None:
        return query
    return query.where(column.in_(sorted(brand_ids) or [-1]))


def brands_for(session: Session, brand_ids: frozenset[int] | None) -> Sequence[Brand]:
    """The brands a viewer may pick, by name."""
    return session.scalars(within(select(Brand).order_by(Brand.name), Brand.id, brand_ids)).all()


def rule_out(row: AutomationRule) -> RuleOut:
    """The API view of a rule."""
    spec = spec_of(row)
    return RuleOut(
        id=row.id,
        brand_id=row.brand_id,
        position=row.position,
        name=row.name,
        enabled=row.enabled,
        stop=row.stop,
        min_confidence=spec.min_confidence,
        confidence_floor=spec.confidence_floor,
        when=spec.when.given(),
        then=spec.actions_json(),
        default_key=row.default_key,
        updated_at=row.updated_at,
    )


def _customers(session: Session, ids: set[int]) -> dict[int, Customer]:
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(sorted(ids))))}


def list_callbacks(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    brand_id: int | None = None,
    statuses: Sequence[str] = (),
    limit: int = 200,
    offset: int = 0,
) -> list[Callback]:
    """Callbacks by window, soonest first."""
    query = within(select(Callback), Callback.brand_id, brand_ids)
    if brand_id is not None:
        query = query.where(Callback.brand_id == brand_id)
    if statuses:
        query = query.where(Callback.status.in_(list(statuses)))
    query = query.order_by(Callback.window_start, Callback.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def callbacks_out(session: Session, rows: Sequence[Callback]) -> list[CallbackOut]:
    """The API view of callbacks, with who they are for and who holds them."""
    customers = _customers(session, {r.customer_id for r in rows if r.customer_id})
    users = {
        u.id: u.username
        for u in session.scalars(
            select(User).where(User.id.in_(sorted({r.claimed_by_id or -1 for r in rows})))
        )
    }
    out = []
    for r in rows:
        customer = customers.get(r.customer_id or -1)
        out.append(
            CallbackOut(
                id=r.id,
                brand_id=r.brand_id,
                case_id=r.case_id,
                customer=CustomerRef(id=customer.id, name=customer.name) if customer else None,
                status=r.status,
                reason=r.reason,
                window_start=r.window_start,
                window_end=r.window_end,
                window_requested=r.window_requested,
                window_phrase=r.window_phrase,
                claimed_by=users.get(r.claimed_by_id or -1),
                outcome=r.outcome,
                call_attempts=r.call_attempts,
                revision=r.revision,
                created_at=r.created_at,
                completed_at=r.completed_at,
            )
        )
    return out


def list_appointments(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    brand_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    customer_id: int | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[Appointment]:
    """Visits in time order, optionally in [start, end) or for one customer."""
    query = within(select(Appointment), Appointment.brand_id, brand_ids)
    if brand_id is not None:
        query = query.where(Appointment.brand_id == brand_id)
    if start is not None:
        query = query.where(Appointment.end_at > start)
    if end is not None:
        query = query.where(Appointment.start_at < end)
    if customer_id is not None:
        query = query.where(Appointment.customer_id == customer_id)
    query = query.order_by(Appointment.start_at, Appointment.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def appointments_out(session: Session, rows: Sequence[Appointment]) -> list[AppointmentOut]:
    """The API view of visits."""
    customers = _customers(session, {r.customer_id for r in rows})
    return [
        AppointmentOut(
            id=r.id,
            brand_id=r.brand_id,
            customer=CustomerRef(
                id=r.customer_id, name=getattr(customers.get(r.customer_id), "name", "")
            ),
            resource_id=r.resource_id,
            resource=r.resource.name,
            kind=r.kind,
            start_at=r.start_at,
            end_at=r.end_at,
            status=r.status,
            location=r.location,
            sequence=r.sequence,
            case_id=r.case_id,
        )
        for r in rows
    ]


def list_reports(
    session: Session, brand_ids: frozenset[int] | None, *, limit: int = 200
) -> list[Open311Report]:
    """City reports, newest first."""
    query = within(select(Open311Report), Open311Report.brand_id, brand_ids)
    return list(session.scalars(query.order_by(Open311Report.id.desc()).limit(limit)))


def list_jobs(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    statuses: Sequence[str] = (),
    limit: int = 200,
) -> list[AutomationJob]:
    """Outbound jobs, those waiting for a person first."""
    query = within(select(AutomationJob), AutomationJob.brand_id, brand_ids)
    if statuses:
        query = query.where(AutomationJob.status.in_(list(statuses)))
    return list(session.scalars(query.order_by(AutomationJob.id.desc()).limit(limit)))
