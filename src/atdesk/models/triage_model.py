"""Intent models retrained from agents' corrections: every candidate, and which one is live."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow


class TriageModel(Base):
    """One candidate of `atdesk triage retrain`: where its files are, how it scored, if live.

    brand_id NULL is the all-brands model, used by brands without a live model of their own;
    at most one row per brand (and one all-brands row) is live at a time.
    """

    __tablename__ = "triage_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    brand_id: Mapped[int | None] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(Text)
    scores: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    live: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
