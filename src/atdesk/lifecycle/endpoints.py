"""REST API of the data lifecycle: a brand's retention (GET, PUT) and erasing a customer
(`DELETE /api/v1/customers/{id}`)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from atdesk.accounts.access import may_lead_brand, visible_brand
from atdesk.accounts.deps import ApiViewer
from atdesk.customers.access import visible_customer
from atdesk.domain.ids import RowId
from atdesk.lifecycle.erase import EraseForbidden, erase_customer, may_erase
from atdesk.lifecycle.retention import pending_counts
from atdesk.lifecycle.schemas import ErasureOut, RetentionOut, RetentionUpdate
from atdesk.lifecycle.service import save_settings
from atdesk.lifecycle.settings import retention_settings
from atdesk.ui.deps import DbSession, Now

router = APIRouter(tags=["lifecycle"])
_STAFF_ONLY = "supervisors and admins only; ask one to change this"


@router.get("/api/v1/retention/{brand_id}")
def get_retention(brand_id: RowId, session: DbSession, viewer: ApiViewer, now: Now) -> RetentionOut:
    """A brand's retention period and mode, and how many cases and posts are due now."""
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    settings = retention_settings(brand)
    return RetentionOut.of(brand.id, settings, pending_counts(session, brand.id, settings, now=now))


@router.put("/api/v1/retention/{brand_id}")
def put_retention(
    brand_id: RowId, body: RetentionUpdate, session: DbSession, viewer: ApiViewer, now: Now
) -> RetentionOut:
    """Change a brand's retention (admins, and the brand's supervisors); audited."""
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    if not may_lead_brand(viewer.user, viewer.brand_ids, brand.id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, _STAFF_ONLY)
    saved = save_settings(session, brand, body.model_dump(exclude_unset=True), actor=viewer.user)
    return RetentionOut.of(brand.id, saved, pending_counts(session, brand.id, saved, now=now))


@router.delete("/api/v1/customers/{customer_id}")
def delete_customer(
    customer_id: RowId, session: DbSession, viewer: ApiViewer, now: Now
) -> ErasureOut:
    """Erase a customer of your brands: their posts, cases, notes, callbacks, appointments,
    survey answers and identity (supervisors and admins; cannot be undone); audited."""
    if not may_erase(viewer.user):
        visible_customer(session, viewer.brand_ids, customer_id)  # another brand's: 404
        raise EraseForbidden("supervisors and admins only; ask one to erase this customer")
    erasure = erase_customer(
        session, customer_id=customer_id, actor=viewer.user, brand_ids=viewer.brand_ids, now=now
    )
    return ErasureOut.of(erasure)
