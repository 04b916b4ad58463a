"""A brand's block list, one row per blocked user, keyword or pattern (ADR 90)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, UTCDateTime, utcnow


class BlockEntry(Base):
    """What the filter stage keeps out of cases for one brand, and who put it there.

    `kind` is `user` (value: a handle key), `keyword` (lower-case, matched as a substring) or
    `regex` (a pattern, searched case-insensitively under a time limit).
    """

    __tablename__ = "block_entries"
    __table_args__ = (UniqueConstraint("brand_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(320))
    note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
