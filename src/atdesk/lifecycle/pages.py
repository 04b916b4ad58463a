"""The privacy page: each brand's retention (how long resolved cases and posts are kept, and
whether they are purged or anonymised after) and erasing a customer by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from atdesk.accounts.access import NotVisible, may_lead_brand, visible_brand, visible_brands
from atdesk.accounts.deps import PageViewer
from atdesk.domain.ids import RowId, parse_id
from atdesk.lifecycle.erase import AlreadyErased, EraseForbidden, erase_customer, may_erase
from atdesk.lifecycle.retention import pending_counts
from atdesk.lifecycle.service import save_settings
from atdesk.lifecycle.settings import RetentionMode, RetentionSettingsError, retention_settings
from atdesk.ui.deps import CsrfChecked, DbSession, Now
from atdesk.ui.forms import form_post
from atdesk.ui.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(
    request: Request, session: DbSession, viewer: PageViewer, now: Now
) -> HTMLResponse:
    """Each of your brands' retention with what is due, and the erase form (supervisors,
    admins)."""
    brands = visible_brands(session, viewer.brand_ids)
    rows = []
    for brand in brands:
        settings = retention_settings(brand)
        rows.append(
            {
                "brand": brand,
                "settings": settings,
                "due": pending_counts(session, brand.id, settings, now=now),
                "editable": may_lead_brand(viewer.user, viewer.brand_ids, brand.id),
            }
        )
    return render(
        request,
        "lifecycle/privacy.html",
        {
            "rows": rows,
            "modes": [m.value for m in RetentionMode],
            "may_erase": may_erase(viewer.user),
        },
        session=session,
    )


@router.post("/privacy/retention", dependencies=[CsrfChecked])
def save_retention_form(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: Annotated[RowId, Form()],
    days: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Save one brand's retention; days left empty turns it off."""
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    if not may_lead_brand(viewer.user, viewer.brand_ids, brand.id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "supervisors and admins only; ask one to change this"
        )
    changes = {"days": days.strip() or None, **({"mode": mode} if mode.strip() else {})}

    def save() -> str:
        saved = save_settings(session, brand, changes, actor=viewer.user)
        if saved.days is None:
            return f"{brand.name} keeps its cases and posts; retention is off."
        return (
            f"{brand.name}: resolved cases and posts older than {saved.days} days "
            f"are {saved.mode.value}d."
        )

    return form_post(
        request, session, save, back="/privacy#retention", refused=(RetentionSettingsError,)
    )


@router.post("/privacy/erase", dependencies=[CsrfChecked])
def erase_form(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    now: Now,
    customer_id: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Erase a customer of your brands once their id is typed twice (it cannot be undone)."""
    if not may_erase(viewer.user):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "supervisors and admins only; ask one to erase a customer"
        )
    chosen = parse_id(customer_id)
    if chosen is None:
        raise NotVisible(f"no customer {customer_id!r} in your brands")

    def erase() -> str:
        if confirm.strip() != str(chosen):
            raise RetentionSettingsError(
                f"type the customer's id ({chosen}) again in the confirmation box to erase them"
            )
        erasure = erase_customer(
            session, customer_id=chosen, actor=viewer.user, brand_ids=viewer.brand_ids, now=now
        )
        parts = ", ".join(
            f"{n} {kind.replace('_', ' ')}" for kind, n in erasure.removed.items() if n
        )
        return f"Customer {chosen} erased: {parts or 'nothing but the record'}."

    return form_post(
        request,
        session,
        erase,
        back="/privacy#erase",
        refused=(RetentionSettingsError, AlreadyErased, EraseForbidden),
    )
