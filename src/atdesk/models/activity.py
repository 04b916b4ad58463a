"""Agents' handling time: intervals of viewing or composing on a case, built from heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, UTCDateTime


class AgentActivity(Base):
    """One unbroken stretch of an agent's attention on a case (ADR 94).

    Consecutive heartbeats of the same kind extend the row; `seconds` is the time credited,
    equal to `ended_at - started_at` (a gap longer than the heartbeat cap starts a new row).
    """

    __tablename__ = "agent_activity"
    __table_args__ = (
        Index("ix_agent_activity_user_ended", "user_id", "ended_at"),
        Index("ix_agent_activity_brand_started", "brand_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
