"""What the automations route files share: settings, brand and role checks, the page frame."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible, visible_brand, visible_brands
from atdesk.accounts.deps import Viewer
from atdesk.config import Settings
from atdesk.models import (
    AutomationRule,
    Brand,
)
from atdesk.ui.deps import get_settings
from atdesk.ui.templating import render

AppSettings = Annotated[Settings, Depends(get_settings)]
Limit = Annotated[int, Query(ge=1, le=500)]


def viewed_brand(session: Session, viewer: Viewer, brand_id: int) -> Brand:
    """The brand asked for, only if the caller works on it (else the same 404 as a missing one)."""
    return visible_brand(session, viewer.brand_ids, brand_id)


def require_admin(viewer: Viewer) -> None:
    """Rules change what happens to every post of a brand, so only admins change them."""
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin to change rules")


def require_reviewer(viewer: Viewer) -> None:
    """Supervisor-level API calls: refuse agents with a 403 that says who may."""
    if not viewer.is_reviewer:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "supervisors and admins only")


def require_visible(viewer: Viewer, brand_id: int, what: str) -> None:
    """Hide a row of another brand exactly as if it did not exist."""
    if viewer.brand_ids is not None and brand_id not in viewer.brand_ids:
        raise NotVisible(f"no {what} in your brands")


def pick_brand(session: Session, viewer: Viewer, brand_id: int | None) -> tuple[Brand, list[Brand]]:
    """The brand a page is about: the one asked for, else the first the viewer may see."""
    brands = list(visible_brands(session, viewer.brand_ids))
    if not brands:
        raise NotVisible("you work on no brand yet; ask an admin to add you to a team")
    if brand_id is None:
        with_rules = set(session.scalars(select(AutomationRule.brand_id).distinct()))
        chosen = next((b for b in brands if b.id in with_rules), brands[0])
        return chosen, brands
    chosen_or_none = next((b for b in brands if b.id == brand_id), None)
    if chosen_or_none is None:
        raise NotVisible(f"no brand {brand_id} in your brands")
    return chosen_or_none, brands


def need_admin(viewer: Viewer) -> None:
    """Admin-only pages: refuse others with a 403 that says who may."""
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin to change this")


def need_reviewer(viewer: Viewer) -> None:
    """Supervisor pages: refuse agents with a 403 that says who may."""
    if not viewer.is_reviewer:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "supervisors and admins only")


def automation_page(
    request: Request,
    session: Session,
    name: str,
    tab: str,
    brand: Brand | None,
    brands: list[Brand],
    **context: Any,
) -> HTMLResponse:
    """An automations page inside the shared frame: its tab, the brand picker, the context."""
    return render(
        request,
        f"automations/{name}",
        {"tab": tab, "brand": brand, "brands": brands, **context},
        session=session,
    )
