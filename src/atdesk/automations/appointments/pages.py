"""Staff pages for the appointment book: the week's visits and cancelling one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import PageViewer
from atdesk.automations.appointments import service as book
from atdesk.automations.appointments.queries import (
    appointments_feed,
    brand_resources,
    list_appointments,
    recent_offers,
    upcoming_visits,
)
from atdesk.automations.appointments.rescheduling import OPEN_OFFERS
from atdesk.automations.engine.deps import AppSettings, automation_page, pick_brand
from atdesk.automations.engine.settings import (
    brand_config,
)
from atdesk.customers.queries import customers_by_id
from atdesk.domain.ids import RowId
from atdesk.integrations.calendar.feeds import check_key, feed_path
from atdesk.models import (
    Appointment,
    Brand,
)
from atdesk.models.base import utcnow
from atdesk.ui.deps import CsrfChecked, DbSession, Now
from atdesk.ui.forms import see_other
from atdesk.ui.templating import flash

router = APIRouter(prefix="/automations", include_in_schema=False)


@router.get("/appointments", response_class=HTMLResponse)
def appointments_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    brand_id: RowId | None = None,
    day: str | None = None,
) -> HTMLResponse:
    """The day's visits per technician, the offers waiting for an answer, and the feed."""
    brand, brands = pick_brand(session, viewer, brand_id)
    config = brand_config(session, brand, settings)
    try:
        shown = date.fromisoformat(day) if day else utcnow().astimezone(config.tz).date()
    except ValueError:
        shown = utcnow().astimezone(config.tz).date()
    start = datetime.combine(shown, time(0), config.tz)
    visits = list_appointments(
        session, viewer.brand_ids, brand_id=brand.id, start=start, end=start + timedelta(days=1)
    )
    resources = brand_resources(session, brand.id)
    customers = customers_by_id(session, {v.customer_id for v in visits if v.customer_id})
    offers = recent_offers(session, brand.id)
    upcoming = upcoming_visits(session, brand.id, start)
    return automation_page(
        request,
        session,
        "appointments.html",
        "appointments",
        brand,
        brands,
        day=shown,
        prev_day=shown - timedelta(days=1),
        next_day=shown + timedelta(days=1),
        resources=resources,
        visits=visits,
        upcoming=upcoming,
        customers=customers,
        offers=offers,
        open_offers=OPEN_OFFERS,
        tz=config.tz,
        feed=feed_path(settings.signing_key, "appointments", brand.id),
    )


@router.post("/appointments/{appointment_id}/cancel", dependencies=[CsrfChecked])
def cancel_visit(
    request: Request, appointment_id: RowId, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Cancel a visit."""
    visit = session.get(Appointment, appointment_id)
    if visit is None or (viewer.brand_ids is not None and visit.brand_id not in viewer.brand_ids):
        raise NotVisible(f"no appointment {appointment_id} in your brands")
    book.cancel(session, visit, actor=viewer.user)
    flash(request, f"Visit {visit.id} cancelled; calendars will drop it.")
    return see_other(
        f"/automations/appointments?brand_id={visit.brand_id}&day={visit.start_at.date()}"
    )


feeds = APIRouter(include_in_schema=False)


@feeds.get("/feeds/{brand_id}/appointments.ics")
def appointments_feed_file(
    brand_id: RowId, key: str, session: DbSession, settings: AppSettings, now: Now
) -> Response:
    """The brand's appointments as text/calendar for calendar apps; the key is in the URL."""
    brand = session.get(Brand, brand_id)
    if brand is None or not check_key(settings.signing_key, "appointments", brand_id, key):
        raise HTTPException(404, "no such feed; copy the feed link again from atdesk")
    body = appointments_feed(session, brand, now=now)
    return Response(body, media_type="text/calendar; charset=utf-8")
