"""REST API for a brand's listening settings (terms, exclusions, executives, its threads)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from atdesk.accounts.access import visible_brand
from atdesk.accounts.deps import ApiViewer
from atdesk.cases.brand_listening import listening_view, update_listening
from atdesk.cases.schemas import ListeningOut, ListeningUpdate
from atdesk.domain.ids import RowId
from atdesk.domain.listening import ListeningError
from atdesk.models import Brand
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1/brands", tags=["brands"])


def _out(brand: Brand) -> ListeningOut:
    return ListeningOut(brand_id=brand.id, **listening_view(brand))


@router.get("/{brand_id}/listening")
def get_listening(brand_id: RowId, session: DbSession, viewer: ApiViewer) -> ListeningOut:
    """What one of your brands hears beyond its mentions."""
    return _out(visible_brand(session, viewer.brand_ids, brand_id))


@router.put("/{brand_id}/listening")
def put_listening(
    brand_id: RowId, body: ListeningUpdate, session: DbSession, viewer: ApiViewer
) -> ListeningOut:
    """Change what a brand hears (admins); validated, and audited on the brand."""
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin to change this")
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    try:
        update_listening(
            session,
            brand,
            terms=body.terms,
            exclusions=body.exclusions,
            executives=body.executives,
            brand_threads=body.brand_threads,
            actor=viewer.user,
        )
    except ListeningError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return _out(brand)
