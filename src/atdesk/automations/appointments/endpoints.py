"""REST API for appointments and bookable resources (SPEC.md §7), limited to the caller's brands."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.automations.appointments import service as book
from atdesk.automations.appointments.queries import (
    appointments_out,
    list_appointments,
    visible_resources,
)
from atdesk.automations.appointments.schemas import (
    AppointmentIn,
    AppointmentMoveIn,
    AppointmentOut,
    ResourceIn,
    ResourceOut,
)
from atdesk.automations.engine.deps import (
    Limit,
    require_admin,
    require_visible,
    viewed_brand,
)
from atdesk.customers.access import visible_customer
from atdesk.domain.ids import Offset, RowId
from atdesk.models import (
    Appointment,
    AppointmentResource,
)
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["automations"])


@router.get("/appointments")
def get_appointments(
    session: DbSession,
    viewer: ApiViewer,
    brand_id: RowId | None = None,
    customer_id: RowId | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[AppointmentOut]:
    """Visits in time order."""
    rows = list_appointments(
        session,
        viewer.brand_ids,
        brand_id=brand_id,
        customer_id=customer_id,
        limit=limit,
        offset=offset,
    )
    return appointments_out(session, rows)


def _resource(session: Session, viewer: Viewer, resource_id: int) -> AppointmentResource:
    row = session.get(AppointmentResource, resource_id)
    if row is None:
        raise NotVisible(f"no technician {resource_id}")
    require_visible(viewer, row.brand_id, f"technician {resource_id}")
    return row


@router.post("/appointments", status_code=201)
def post_appointment(session: DbSession, viewer: ApiViewer, body: AppointmentIn) -> AppointmentOut:
    """Book a visit (refused when the technician is busy)."""
    brand = viewed_brand(session, viewer, body.brand_id)
    customer = visible_customer(session, viewer.brand_ids, body.customer_id)
    visit = book.book(
        session,
        brand=brand,
        customer=customer,
        resource=_resource(session, viewer, body.resource_id),
        kind=body.kind,
        start=body.start_at,
        end=body.end_at,
        actor=viewer.user,
        location=body.location,
        notes=body.notes,
        external_id=body.external_id,
    )
    return appointments_out(session, [visit])[0]


def _visit(session: Session, viewer: Viewer, appointment_id: int) -> Appointment:
    row = session.get(Appointment, appointment_id)
    if row is None:
        raise NotVisible(f"no appointment {appointment_id}")
    require_visible(viewer, row.brand_id, f"appointment {appointment_id}")
    return row


@router.get("/appointments/{appointment_id}")
def get_appointment(session: DbSession, viewer: ApiViewer, appointment_id: RowId) -> AppointmentOut:
    """One visit."""
    return appointments_out(session, [_visit(session, viewer, appointment_id)])[0]


@router.post("/appointments/{appointment_id}/move")
def move_appointment(
    session: DbSession, viewer: ApiViewer, appointment_id: RowId, body: AppointmentMoveIn
) -> AppointmentOut:
    """Move a visit; its calendar entry is replaced (SEQUENCE + 1)."""
    visit = _visit(session, viewer, appointment_id)
    resource = _resource(session, viewer, body.resource_id) if body.resource_id else None
    book.move(
        session,
        visit,
        start=body.start_at,
        end=body.end_at,
        actor=viewer.user,
        resource=resource,
    )
    return appointments_out(session, [visit])[0]


@router.post("/appointments/{appointment_id}/cancel")
def cancel_appointment(
    session: DbSession, viewer: ApiViewer, appointment_id: RowId
) -> AppointmentOut:
    """Cancel a visit."""
    visit = book.cancel(session, _visit(session, viewer, appointment_id), actor=viewer.user)
    return appointments_out(session, [visit])[0]


@router.get("/resources")
def get_resources(session: DbSession, viewer: ApiViewer) -> list[ResourceOut]:
    """Technicians and their hours."""
    return [ResourceOut.model_validate(r) for r in visible_resources(session, viewer.brand_ids)]


@router.post("/resources", status_code=201)
def post_resource(session: DbSession, viewer: ApiViewer, body: ResourceIn) -> ResourceOut:
    """Add a technician (admins)."""
    require_admin(viewer)
    brand = viewed_brand(session, viewer, body.brand_id)
    row = book.save_resource(
        session, brand, name=body.name, hours=body.hours, kinds=body.kinds, actor=viewer.user
    )
    return ResourceOut.model_validate(row)
