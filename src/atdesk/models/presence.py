"""Who has a case open right now, and whether they are typing: collision detection."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, UTCDateTime


class CaseViewer(Base):
    """A heartbeat row per (case, user); stale rows mean the agent has left."""

    __tablename__ = "case_viewers"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16), default="viewing")
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
