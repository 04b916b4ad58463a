"""The customer's verification link: the one page a customer opens without a login, to bind their
handle to their record; what waited for it (a callback, an offer) then goes on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from atdesk.config import Settings
from atdesk.customers.identity import complete_link
from atdesk.customers.service import CustomerError
from atdesk.customers.verification import open_link, redeem
from atdesk.integrations.identity import VerificationError
from atdesk.ui.deps import CsrfChecked, DbSession, Now, get_settings
from atdesk.ui.templating import render

router = APIRouter(include_in_schema=False)
AppSettings = Annotated[Settings, Depends(get_settings)]


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
