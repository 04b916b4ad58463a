"""Pages for noise: the block lists (admins) and the review list of filtered posts."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from atdesk.accounts.access import choose_brand
from atdesk.accounts.deps import AdminViewer, PageViewer, ReviewerViewer
from atdesk.brands.pages import brand_or_404
from atdesk.brands.queries import brands_working_first
from atdesk.domain.errors import AppError
from atdesk.domain.ids import RowId, parse_page
from atdesk.noise import queries
from atdesk.noise.deps import Publisher
from atdesk.noise.service import add_block, remove_block, restorable_post, restore_post
from atdesk.pipeline.blocklist import (
    KEYWORD_MAX_CHARS,
    MAX_ENTRIES_PER_BRAND,
    MAX_PATTERNS_PER_BRAND,
    PATTERN_MAX_CHARS,
    BlockKind,
)
from atdesk.ui.deps import CsrfChecked, DbSession, request_now
from atdesk.ui.forms import form_post
from atdesk.ui.templating import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 50
KIND_LABELS = {
    BlockKind.USER.value: "User",
    BlockKind.KEYWORD.value: "Keyword",
    BlockKind.REGEX.value: "Pattern",
}


@router.get("/admin/blocklist", response_class=HTMLResponse)
def blocklist(request: Request, session: DbSession, viewer: AdminViewer) -> HTMLResponse:
    """One brand's block list (working brands first) with a form to add to it."""
    all_brands = brands_working_first(session)
    chosen_id = request.query_params.get("brand_id", "")
    brand = next(
        (b for b in all_brands if str(b.id) == chosen_id), all_brands[0] if all_brands else None
    )
    return render(
        request,
        "noise/blocklist.html",
        {
            "tab": "blocklist",
            "brands": all_brands,
            "brand": brand,
            "entries": queries.block_entries(session, brand.id) if brand else [],
            "kinds": KIND_LABELS,
            "keyword_max": KEYWORD_MAX_CHARS,
            "pattern_max": PATTERN_MAX_CHARS,
            "max_entries": MAX_ENTRIES_PER_BRAND,
            "max_patterns": MAX_PATTERNS_PER_BRAND,
        },
        session=session,
    )


def _back(brand_id: int) -> str:
    return f"/admin/blocklist?brand_id={brand_id}"


@router.post("/admin/blocklist/{brand_id}", dependencies=[CsrfChecked])
def blocklist_add(
    brand_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    kind: Annotated[str, Form()],
    value: Annotated[str, Form(max_length=400)],
    note: Annotated[str, Form(max_length=300)] = "",
) -> RedirectResponse:
    """Add a user, keyword or pattern; a refused one says why on the page."""
    brand = brand_or_404(session, brand_id)
    now = request_now(request)

    def add() -> str:
        entry = add_block(
            session, brand, kind=kind, value=value, note=note, actor=viewer.user, now=now
        )
        label = KIND_LABELS[entry.kind].lower()
        return f"{brand.name} now blocks the {label} {entry.value}; new posts are filtered by it."

    return form_post(
        request, session, add, back=_back(brand.id), refused=(AppError,), refusal="Not added: {}"
    )


@router.post("/admin/blocklist/{brand_id}/{entry_id}/remove", dependencies=[CsrfChecked])
def blocklist_remove(
    brand_id: RowId, entry_id: RowId, request: Request, session: DbSession, viewer: AdminViewer
) -> RedirectResponse:
    """Take an entry off the list; what it filtered stays in the review list."""
    brand = brand_or_404(session, brand_id)

    def remove() -> str:
        remove_block(session, brand, entry_id, actor=viewer.user)
        return "Removed; posts it filtered are still in Filtered, to restore if they belong."

    return form_post(request, session, remove, back=_back(brand.id), refused=(AppError,))


@router.get("/filtered", response_class=HTMLResponse)
def filtered(request: Request, session: DbSession, viewer: PageViewer) -> HTMLResponse:
    """What the filter kept out of cases, and abuse-flagged posts, newest first, by reason."""
    reason = request.query_params.get("reason", "")
    reason = reason if reason in queries.REASONS else ""
    choice = choose_brand(session, viewer.brand_ids, request.query_params.get("brand_id"))
    brands, brand_id = choice.brands, choice.chosen_id
    page = parse_page(request.query_params.get("page"))
    rows, total = queries.review_page(
        session,
        viewer.brand_ids,
        reason=reason,
        brand_id=brand_id,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    names = queries.brand_names(session, [p.brand_id for p in rows if p.brand_id])
    pages = max(1, -(-total // PER_PAGE))

    def link(**changes: object) -> str:
        values: dict[str, object] = {"reason": reason, "brand_id": brand_id, "page": page}
        values.update(changes)
        if values.get("page") == 1:
            values["page"] = None
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    return render(
        request,
        "noise/filtered.html",
        {
            "posts": [queries.filtered_out(p, names) for p in rows],
            "total": total,
            "page": page,
            "pages": pages,
            "link": link,
            "reason": reason,
            "reasons": queries.REASONS,
            "brands": brands,
            "brand_id": brand_id,
            "can_restore": viewer.is_reviewer,
        },
        session=session,
    )


@router.post("/filtered/{post_id}/restore", dependencies=[CsrfChecked])
def filtered_restore(
    post_id: RowId,
    request: Request,
    session: DbSession,
    viewer: ReviewerViewer,
    publish: Publisher,
    back: Annotated[str, Form(max_length=2000)] = "/filtered",
) -> RedirectResponse:
    """Restore a post into its case (supervisors and admins); a second restore changes nothing."""
    post = restorable_post(session, post_id, viewer.brand_ids)
    back = back if back.startswith("/filtered") else "/filtered"

    def restore() -> str:
        done = restore_post(session, post, actor=viewer.user, publish=publish)
        if not done.changed:
            return f"Post {post_id} was already restored (case #{done.case_id})."
        return f"Post {post_id} restored: case #{done.case_id} {done.event}."

    return form_post(request, session, restore, back=back, refused=(AppError,))
