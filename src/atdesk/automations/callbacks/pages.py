"""Staff pages for the callback queue: phone agents claim a callback, record the call or move it."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.accounts.queries import users_by_id
from atdesk.automations.callbacks import service as callbacks
from atdesk.automations.callbacks.queries import callbacks_feed, list_callbacks
from atdesk.automations.engine.deps import AppSettings, automation_page, pick_brand
from atdesk.automations.engine.settings import (
    BrandConfig,
    brand_config,
)
from atdesk.config import Settings
from atdesk.customers.queries import customers_by_id
from atdesk.domain.ids import RowId
from atdesk.integrations.calendar.feeds import check_key, feed_path
from atdesk.models import (
    Brand,
    Callback,
)
from atdesk.ui.deps import CsrfChecked, DbSession, Now
from atdesk.ui.forms import see_other
from atdesk.ui.templating import flash

router = APIRouter(prefix="/automations", include_in_schema=False)


QUEUE_VIEWS = {
    "open": ("queued", "claimed"),
    "waiting": ("awaiting_verification",),
    "done": ("completed", "cancelled"),
}


@router.get("/callbacks", response_class=HTMLResponse)
def callbacks_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    brand_id: RowId | None = None,
    view: str = "open",
) -> HTMLResponse:
    """The phone agents' queue: soonest window first, with the number from the record."""
    brand, brands = pick_brand(session, viewer, brand_id)
    rows = list_callbacks(
        session, viewer.brand_ids, brand_id=brand.id, statuses=QUEUE_VIEWS.get(view, ())
    )
    customers = customers_by_id(session, {r.customer_id for r in rows if r.customer_id})
    agents = {
        u.id: u.display_name or u.username
        for u in users_by_id(session, {r.claimed_by_id or -1 for r in rows}).values()
    }
    config = brand_config(session, brand, settings)
    return automation_page(
        request,
        session,
        "callbacks.html",
        "callbacks",
        brand,
        brands,
        callbacks=rows,
        customers=customers,
        agents=agents,
        view=view,
        views=list(QUEUE_VIEWS),
        outcomes=callbacks.OUTCOMES,
        tz=config.tz,
        feed=feed_path(settings.signing_key, "callbacks", brand.id),
        dialer=config.dialer,
    )


def _callback_of(session: Session, viewer: Viewer, callback_id: int) -> Callback:
    row = session.get(Callback, callback_id)
    if row is None or (viewer.brand_ids is not None and row.brand_id not in viewer.brand_ids):
        raise NotVisible(f"no callback {callback_id} in your brands")
    return row


def _back_to_queue(row: Callback) -> RedirectResponse:
    return see_other(f"/automations/callbacks?brand_id={row.brand_id}#callback-{row.id}")


@router.post("/callbacks/{callback_id}/claim", dependencies=[CsrfChecked])
def claim_page(
    request: Request, callback_id: RowId, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Take a callback, or give it back."""
    row = _callback_of(session, viewer, callback_id)
    try:
        if row.status == callbacks.CLAIMED and row.claimed_by_id == viewer.user.id:
            change = callbacks.release(session, row, viewer.user)
        else:
            change = callbacks.claim(session, row, viewer.user)
        flash(request, change.message)
    except callbacks.CallbackError as exc:
        flash(request, str(exc), "error")
    return _back_to_queue(row)


@router.post("/callbacks/{callback_id}/outcome", dependencies=[CsrfChecked])
def outcome_page(
    request: Request,
    callback_id: RowId,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    outcome: Annotated[str, Form()],
    notes: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Record the call's outcome."""
    row = _callback_of(session, viewer, callback_id)
    config = _config_of(session, row.brand_id, settings)
    try:
        change = callbacks.record_call(
            session, row, outcome, user=viewer.user, config=config, notes=notes
        )
        flash(request, change.message)
    except callbacks.CallbackError as exc:
        flash(request, str(exc), "error")
    return _back_to_queue(row)


def _config_of(session: Session, brand_id: int, settings: Settings) -> BrandConfig:
    brand = session.get(Brand, brand_id)
    assert brand is not None
    return brand_config(session, brand, settings)


def _local(day: str, clock: str, config: BrandConfig) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), config.tz)
    except ValueError:
        raise callbacks.CallbackError("give the day as YYYY-MM-DD and times as HH:MM") from None


@router.post("/callbacks/{callback_id}/reschedule", dependencies=[CsrfChecked])
def reschedule_page(
    request: Request,
    callback_id: RowId,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    day: Annotated[str, Form()],
    start: Annotated[str, Form()],
    end: Annotated[str, Form()],
) -> RedirectResponse:
    """Move the window (in the brand's time zone)."""
    row = _callback_of(session, viewer, callback_id)
    config = _config_of(session, row.brand_id, settings)
    try:
        change = callbacks.reschedule(
            session,
            row,
            start=_local(day, start, config),
            end=_local(day, end, config),
            user=viewer.user,
            config=config,
        )
        flash(request, change.message)
    except callbacks.CallbackError as exc:
        flash(request, str(exc), "error")
    return _back_to_queue(row)


feeds = APIRouter(include_in_schema=False)


@feeds.get("/feeds/{brand_id}/callbacks.ics")
def callbacks_feed_file(
    brand_id: RowId, key: str, session: DbSession, settings: AppSettings, now: Now
) -> Response:
    """The brand's callbacks as text/calendar, for a dialer; the key is in the URL."""
    brand = session.get(Brand, brand_id)
    if brand is None or not check_key(settings.signing_key, "callbacks", brand_id, key):
        raise HTTPException(404, "no such feed; copy the feed link again from atdesk")
    body = callbacks_feed(session, brand, now=now)
    return Response(body, media_type="text/calendar; charset=utf-8")
