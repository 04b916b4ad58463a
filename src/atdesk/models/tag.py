"""Free tags on cases, for filters, reports and bulk work."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base


class CaseTag(Base):
    """One tag on one case; tags are lower-case words, so the pair is the key."""

    __tablename__ = "case_tags"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
