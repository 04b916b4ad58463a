"""Admin pages for macros: saved replies with variables, per brand or for everyone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible, may_see_brand, visible_brands
from atdesk.accounts.deps import ReviewerViewer, Viewer
from atdesk.domain.ids import parse_id
from atdesk.models import (
    Brand,
    Macro,
)
from atdesk.respond.macros import VARIABLES, MacroError, delete_macro, save_macro
from atdesk.respond.queries import macros_of_brands
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import form_post
from atdesk.ui.templating import render

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/macros", response_class=HTMLResponse)
def macros(request: Request, session: DbSession, viewer: ReviewerViewer) -> HTMLResponse:
    """Saved replies of the viewer's brands, and those for every brand (admins change those)."""
    rows = macros_of_brands(session, viewer.brand_ids)
    return render(
        request,
        "admin/macros.html",
        {
            "tab": "macros",
            "macros": rows,
            "brands": {b.id: b for b in visible_brands(session, viewer.brand_ids)},
            "variables": VARIABLES,
        },
        session=session,
    )


def _macro_target(session: Session, viewer: Viewer, brand_id: str) -> Brand | None:
    """The brand a macro is saved for: one of the viewer's, or every brand (admins only)."""
    if not brand_id.strip():
        if not viewer.is_admin:
            raise HTTPException(403, "only admins write macros for every brand; pick your brand")
        return None
    wanted = parse_id(brand_id)
    brand = session.get(Brand, wanted) if wanted is not None else None
    if brand is None or not may_see_brand(viewer.brand_ids, brand.id):
        raise NotVisible(f"no brand {brand_id} in your brands")
    return brand


def _macro_of(session: Session, viewer: Viewer, macro_id: str) -> Macro | None:
    """The macro being changed (None: a new one); another brand's answers 404."""
    if not macro_id.strip():
        return None
    wanted = parse_id(macro_id)
    macro = session.get(Macro, wanted) if wanted is not None else None
    if macro is None:
        raise NotVisible(f"no macro {macro_id}")
    if macro.brand_id is None and not viewer.is_admin:
        raise HTTPException(403, "only admins change macros for every brand")
    if macro.brand_id is not None and not may_see_brand(viewer.brand_ids, macro.brand_id):
        raise NotVisible(f"no macro {macro_id} in your brands")
    return macro


@router.post("/macros", dependencies=[CsrfChecked])
def save(
    request: Request,
    session: DbSession,
    viewer: ReviewerViewer,
    name: Annotated[str, Form()],
    body: Annotated[str, Form()],
    brand_id: Annotated[str, Form()] = "",
    macro_id: Annotated[str, Form()] = "",
    delete: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Create, change or delete a macro of one of your brands (every brand's: admins)."""
    macro = _macro_of(session, viewer, macro_id)

    def apply() -> str:
        if delete == "1" and macro is not None:
            delete_macro(session, macro, actor=viewer.user)
            return f"Deleted macro {macro.name}."
        brand = _macro_target(session, viewer, brand_id)
        saved = save_macro(
            session, name=name, body=body, brand=brand, actor=viewer.user, macro=macro
        )
        return f"Saved macro {saved.name}."

    return form_post(
        request, session, apply, back="/admin/macros", refused=(MacroError,), rollback=False
    )
