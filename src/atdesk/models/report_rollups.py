"""Stored report rollups, rebuilt exactly from the stored posts with the case facts (ADR 95)."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base

COVERED = (
    "brand_id",
    "hour",
    "network",
    "intent",
    "inbound",
    "filtered",
    "positive",
    "neutral",
    "negative",
)


class ReportPostHour(Base):
    """Inbound posts of one brand, UTC hour, network and intent, with their noise and sentiment
    counts: what the reports' volume, busiest hours, inbound and sentiment numbers sum, so a
    page reads a few thousand of these instead of tens of thousands of posts.

    `hour` counts whole hours since 1970-01-01 00:00 UTC (integer division gives the UTC day on
    either database). Rows hold the posts with ids up to the `posts` mark of
    ReportRollupMark; newer posts are counted from the posts table until the next refresh.
    """

    __tablename__ = "report_post_hours"
    __table_args__ = (
        # Covering: a page's sums read the index alone.
        Index("ix_report_post_hours_brand_hour", *COVERED),
        Index("ix_report_post_hours_hour", "hour"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brand_id: Mapped[int] = mapped_column(Integer)
    hour: Mapped[int] = mapped_column(Integer)
    network: Mapped[str] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(64))
    inbound: Mapped[int] = mapped_column(Integer)
    filtered: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)
    neutral: Mapped[int] = mapped_column(Integer)
    negative: Mapped[int] = mapped_column(Integer)


class ReportRollupMark(Base):
    """How far a rollup has folded in its source: for `posts`, the highest post id counted.

    Moved only when a refresh pass has written every hour it found changed, so a pass cut
    short recomputes the same hours next time.
    """

    __tablename__ = "report_rollup_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
