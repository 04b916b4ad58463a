"""The only automation pages without a login: the customer's verification link, and the
iCalendar feeds a dialer or a technician's calendar app subscribes to (opened by their key)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from atdesk.automations.feeds import appointments_feed, callbacks_feed, check_key
from atdesk.automations.identity import complete_link
from atdesk.config import Settings
from atdesk.customers.service import CustomerError
from atdesk.customers.verification import open_link, redeem
from atdesk.domain.ids import RowId
from atdesk.integrations.identity import VerificationError
from atdesk.models import Brand
from atdesk.models.base import utcnow
from atdesk.ui.deps import CsrfChecked, DbSession, get_settings
from atdesk.ui.templating import render

router = APIRouter(include_in_schema=False)
AppSettings = Annotated[Settings, Depends(get_settings)]


def request_time() -> datetime:
    """When a link is checked or a feed served: the clock, as a dependency tests can fix."""
    return utcnow()


Now = Annotated[datetime, Depends(request_time)]


@router.get("/verify/{token}", response_class=HTMLResponse)
def verify_page(
    token: str, request: Request, session: DbSession, settings: AppSettings, now: Now
) -> HTMLResponse:
    """Show the customer what the link binds, and ask only for what the record lacks."""
    try:
        pending = open_link(session, token, secret_key=settings.signing_key, now=now)
    except VerificationError as exc:
        return render(request, "automations/verify.html", {"error": str(exc)}, 410)
    return render(
        request,
        "automations/verify.html",
        {
            "pending": pending,
            "token": token,
            "handle": pending.author.handle if pending.author else "",
        },
    )


@router.post("/verify/{token}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def verify_submit(
    token: str,
    request: Request,
    session: DbSession,
    settings: AppSettings,
    now: Now,
    phone: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    customer_number: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Bind the handle to the record; what waited for it (a callback, an offer) goes on."""
    try:
        used = redeem(
            session,
            token,
            secret_key=settings.signing_key,
            now=now,
            phone=phone or None,
            name=name or None,
            customer_number=customer_number or None,
        )
    except VerificationError as exc:
        return render(request, "automations/verify.html", {"error": str(exc)}, 410)
    except CustomerError as exc:
        pending = open_link(session, token, secret_key=settings.signing_key, now=now)
        return render(
            request,
            "automations/verify.html",
            {
                "pending": pending,
                "token": token,
                "handle": pending.author.handle if pending.author else "",
                "form_error": str(exc),
            },
            422,
        )
    complete_link(session, used, settings=settings, now=now)
    return render(request, "automations/verify.html", {"done": True})


@router.get("/feeds/{brand_id}/{kind}.ics")
def feed(
    brand_id: RowId, kind: str, key: str, session: DbSession, settings: AppSettings, now: Now
) -> Response:
    """A brand's callbacks or appointments as text/calendar; the key is in the URL."""
    brand = session.get(Brand, brand_id)
    if brand is None or not check_key(settings.signing_key, kind, brand_id, key):
        raise HTTPException(404, "no such feed; copy the feed link again from atdesk")
    body = (
        callbacks_feed(session, brand, now=now)
        if kind == "callbacks"
        else appointments_feed(session, brand, now=now)
    )
    return Response(body, media_type="text/calendar; charset=utf-8")
