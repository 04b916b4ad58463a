"""Spike alerts: one row per detected burst of a brand's series, open while it lasts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow

OPEN_ONLY = text("status = 'open'")


class SpikeAlert(Base):
    """A significant rise of one series (a brand, an intent or an issue) over its own norm.

    The periodic check updates the open alert of a series while the burst goes on and closes
    it when volume is back to the norm; the partial unique index keeps one open alert per
    series and kind, so two workers never raise the same spike twice.
    """

    __tablename__ = "spike_alerts"
    __table_args__ = (
        Index(
            "uq_spike_alerts_open",
            "brand_id",
            "series_key",
            "kind",
            unique=True,
            sqlite_where=OPEN_ONLY,
            postgresql_where=OPEN_ONLY,
        ),
        Index("ix_spike_alerts_brand_start", "brand_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    # "brand", "intent:<intent>" or "issue:<id>"
    series_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))  # volume | negative_share
    intent: Mapped[str | None] = mapped_column(String(64))
    issue_id: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300))
    terms: Mapped[list[str]] = mapped_column(JSONType, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posts: Mapped[int] = mapped_column(Integer)
    baseline_per_hour: Mapped[float] = mapped_column(Float)
    peak_per_hour: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))  # open | closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
