"""Which cases a viewer may open: only those of their brands, with no hint that others exist."""

from __future__ import annotations

from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible, visible_brand_ids
from atdesk.models import Case, User


def visible_case(session: Session, user: User, case_id: int) -> Case:
    """The case if this user may see it; NotVisible otherwise (no hint that it exists)."""
    case = session.get(Case, case_id)
    brands = visible_brand_ids(session, user)
    if case is None or (brands is not None and case.brand_id not in brands):
        raise NotVisible(f"no case {case_id} in your brands")
    return case
