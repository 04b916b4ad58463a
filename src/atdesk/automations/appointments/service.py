"""The appointment book: technicians and visits, changed through audited functions only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.cases.calendar import CalendarError, week_from_json, week_to_json
from atdesk.domain.errors import AppError, Conflict
from atdesk.models import Appointment, AppointmentResource, Brand, Customer, User

BOOKED = "booked"
CANCELLED = "cancelled"
DONE = "done"


class BookError(AppError):
    """A booking change that cannot be made, with what to do instead."""


class BookConflict(BookError, Conflict):
    """The technician is already booked then: pick another time or technician."""


def save_resource(
    session: Session,
    brand: Brand,
    *,
    name: str,
    hours: Mapping[str, Sequence[Sequence[str]]],
    kinds: Sequence[str] = (),
    actor: User | str,
    resource: AppointmentResource | None = None,
) -> AppointmentResource:
    """A technician with working hours {"0": [["08:00", "12:00"], ...]} (0 = Monday)."""
    if not name.strip():
        raise BookError("a technician needs a name")
    try:
        checked = week_to_json(week_from_json(hours))
    except (CalendarError, ValueError, IndexError) as exc:
        raise BookError(f"working hours: {exc}") from None
    taken = session.scalar(
        select(AppointmentResource.id).where(
            AppointmentResource.brand_id == brand.id,
            AppointmentResource.name == name.strip(),
            AppointmentResource.id != (resource.id if resource else -1),
        )
    )
    if taken is not None:
        raise BookError(f"{brand.name} already has a technician named {name.strip()!r}")
    row = resource or AppointmentResource(brand_id=brand.id, active=True)
    row.name, row.hours = name.strip(), checked
    row.kinds = sorted({k.strip() for k in kinds if k.strip()})
    session.add(row)
    session.flush()
    audit.record(
        session,
        entity_type="appointment_resource",
        entity_id=row.id,
        action="resource.saved",
        actor=actor,
        after={"name": row.name, "kinds": row.kinds, "hours": row.hours},
    )
    return row


def _clash(
    session: Session, resource_id: int, start: datetime, end: datetime, skip: int
) -> int | None:
    return session.scalar(
        select(Appointment.id).where(
            Appointment.resource_id == resource_id,
            Appointment.status == BOOKED,
            Appointment.start_at < end,
            Appointment.end_at > start,
            Appointment.id != skip,
        )
    )


def book(
    session: Session,
    *,
    brand: Brand,
    customer: Customer,
    resource: AppointmentResource,
    kind: str,
    start: datetime,
    end: datetime,
    actor: User | str,
    location: str | None = None,
    notes: str = "",
    external_id: str | None = None,
) -> Appointment:
    """Book a visit; a technician is never booked twice at once."""
    if end <= start:
        raise BookError("a visit must end after it starts")
    if resource.brand_id != brand.id:
        raise BookError(f"{resource.name} does not work for {brand.name}")
    if kind and resource.kinds and kind not in resource.kinds:
        raise BookError(f"{resource.name} does not do {kind} visits ({', '.join(resource.kinds)})")
    clash = _clash(session, resource.id, start, end, -1)
    if clash is not None:
        raise BookConflict(f"{resource.name} is already booked then (appointment {clash})")
    visit = Appointment(
        brand_id=brand.id,
        customer_id=customer.id,
        resource_id=resource.id,
        kind=kind or "visit",
        start_at=start,
        end_at=end,
        status=BOOKED,
        location=location,
        notes=notes,
        sequence=0,
        external_id=external_id,
    )
    session.add(visit)
    session.flush()
    _audit(session, visit, "appointment.booked", actor)
    return visit


def move(
    session: Session,
    visit: Appointment,
    *,
    start: datetime,
    end: datetime,
    actor: User | str,
    resource: AppointmentResource | None = None,
) -> Appointment:
    """Move a visit by hand; calendar clients replace it (same UID, SEQUENCE + 1)."""
    if visit.status != BOOKED:
        raise BookError(f"a {visit.status} visit cannot be moved")
    if end <= start:
        raise BookError("a visit must end after it starts")
    target = resource.id if resource else visit.resource_id
    clash = _clash(session, target, start, end, visit.id)
    if clash is not None:
        raise BookConflict(f"the technician is already booked then (appointment {clash})")
    visit.start_at, visit.end_at, visit.resource_id = start, end, target
    visit.sequence += 1
    session.flush()
    _audit(session, visit, "appointment.moved", actor)
    return visit


def cancel(session: Session, visit: Appointment, *, actor: User | str) -> Appointment:
    """Cancel a visit; the feed keeps it with STATUS:CANCELLED so calendars drop it."""
    if visit.status == CANCELLED:
        return visit
    visit.status = CANCELLED
    visit.sequence += 1
    session.flush()
    _audit(session, visit, "appointment.cancelled", actor)
    return visit


def _audit(session: Session, visit: Appointment, action: str, actor: User | str) -> None:
    after = {
        "appointment_id": visit.id,
        "resource_id": visit.resource_id,
        "start_at": visit.start_at.isoformat(),
        "end_at": visit.end_at.isoformat(),
        "status": visit.status,
        "sequence": visit.sequence,
    }
    audit.record(
        session,
        entity_type="appointment",
        entity_id=visit.id,
        action=action,
        actor=actor,
        after=after,
    )
