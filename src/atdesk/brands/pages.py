"""Admin pages for brands: the list with their network accounts, and adding a brand."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from atdesk.accounts.deps import AdminViewer
from atdesk.brands.queries import (
    accounts_by_brand,
    brand_kind_counts,
    brand_search,
    brands_query,
)
from atdesk.brands.service import BrandError, create_brand, is_connected
from atdesk.domain.triage import Intent
from atdesk.models import Brand
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import form_post
from atdesk.ui.paging import listing_params, paginate
from atdesk.ui.templating import render

router = APIRouter(prefix="/admin", include_in_schema=False)


BRAND_KINDS = ("working", "replay")


@router.get("/brands", response_class=HTMLResponse)
def brands(request: Request, session: DbSession, viewer: AdminViewer) -> HTMLResponse:
    """Brands, their rules and their accounts on each network; working brands before the
    ones a history replay registered (ADR 73), a page at a time, searchable by name."""
    q, page = listing_params(request)
    kind = request.query_params.get("kind", "")
    kind = kind if kind in BRAND_KINDS else ""
    matching = brand_search(q)
    query = brands_query(kind, matching)
    listing = paginate(session, query, q=q, page=page, keep={"kind": kind})
    shown: list[Brand] = listing.items
    accounts = accounts_by_brand(session, [b.id for b in shown])
    kinds = brand_kind_counts(session, matching)
    return render(
        request,
        "admin/brands.html",
        {
            "tab": "brands",
            "listing": listing,
            "kind": kind,
            "kind_counts": {
                "": sum(kinds.values()),
                "working": kinds.get(False, 0),
                "replay": kinds.get(True, 0),
            },
            "brands": shown,
            "accounts": accounts,
            "connected": is_connected,
            "intents": [i.value for i in Intent],
        },
        session=session,
    )


def brand_section(brand: Brand) -> str:
    """Where a brand's section is after a change: its name searched, whatever page it was on."""
    return f"/admin/brands?{urlencode({'q': brand.name})}#brand-{brand.id}"


@router.post("/brands", dependencies=[CsrfChecked])
def add_brand(
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    name: Annotated[str, Form()],
) -> RedirectResponse:
    """A new brand (add its network accounts next)."""

    def create() -> str:
        create_brand(session, name)
        return f"Brand {name.strip()} created; add its accounts on each network."

    return form_post(
        request,
        session,
        create,
        back="/admin/brands",
        done=f"/admin/brands?{urlencode({'q': name.strip()})}",
        refused=(BrandError,),
        rollback=False,
    )


def brand_or_404(session: Session, brand_id: int) -> Brand:
    """The brand an admin form names, or 404 (admins see every brand)."""
    brand = session.get(Brand, brand_id)
    if brand is None:
        raise HTTPException(404, f"no brand {brand_id}")
    return brand
