"""Reading appointments for pages, the API and the technicians' iCalendar feed, by brand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.automations.appointments.schemas import AppointmentOut
from atdesk.customers.queries import customer_names, customers_by_id
from atdesk.customers.schemas import CustomerRef
from atdesk.integrations.calendar import (
    EventStatus,
    appointment_event,
    render_calendar,
)
from atdesk.integrations.calendar.feeds import KEEP_CLOSED
from atdesk.models import (
    Appointment,
    AppointmentOffer,
    AppointmentResource,
    Brand,
)


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
    query = restrict(select(Appointment), brand_ids, Appointment.brand_id)
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
    customers = customers_by_id(session, {r.customer_id for r in rows})
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


def appointments_feed(session: Session, brand: Brand, *, now: datetime) -> str:
    """Visits from a week ago onwards; cancelled ones stay, marked, so calendars drop them."""
    rows = session.scalars(
        select(Appointment)
        .where(Appointment.brand_id == brand.id, Appointment.end_at >= now - KEEP_CLOSED)
        .order_by(Appointment.start_at, Appointment.id)
    ).all()
    names = customer_names(session, {r.customer_id for r in rows})
    events = [
        appointment_event(
            appointment_id=str(r.id),
            start=r.start_at,
            end=r.end_at,
            kind=r.kind,
            resource=r.resource.name,
            customer=names.get(r.customer_id, "customer"),
            location=r.location,
            notes=r.notes,
            sequence=r.sequence,
            status=EventStatus.CANCELLED if r.status == "cancelled" else EventStatus.CONFIRMED,
        )
        for r in rows
    ]
    return render_calendar(events, now=now, name=f"{brand.name} appointments")


def brand_resources(session: Session, brand_id: int) -> Sequence[AppointmentResource]:
    """A brand's technicians, in the order they were added."""
    return session.scalars(
        select(AppointmentResource)
        .where(AppointmentResource.brand_id == brand_id)
        .order_by(AppointmentResource.id)
    ).all()


def recent_offers(session: Session, brand_id: int, limit: int = 20) -> Sequence[AppointmentOffer]:
    """A brand's latest offers of new visit times, newest first."""
    return session.scalars(
        select(AppointmentOffer)
        .join(Appointment, Appointment.id == AppointmentOffer.appointment_id)
        .where(Appointment.brand_id == brand_id)
        .order_by(AppointmentOffer.id.desc())
        .limit(limit)
    ).all()


def upcoming_visits(
    session: Session, brand_id: int, start: datetime, limit: int = 30
) -> Sequence[Appointment]:
    """A brand's visits from `start` on, soonest first."""
    return session.scalars(
        select(Appointment)
        .where(Appointment.brand_id == brand_id, Appointment.start_at >= start)
        .order_by(Appointment.start_at)
        .limit(limit)
    ).all()


def visible_resources(
    session: Session, brand_ids: frozenset[int] | None
) -> Sequence[AppointmentResource]:
    """Technicians of the brands a viewer sees, in the order they were added."""
    query = restrict(
        select(AppointmentResource).order_by(AppointmentResource.id),
        brand_ids,
        AppointmentResource.brand_id,
    )
    return session.scalars(query).all()
