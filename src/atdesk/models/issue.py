"""Emerging issues: groups of similar inbound customer posts of one brand ("app crashes · 5.2")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow


class Issue(Base):
    """One group of posts about the same thing, per brand; posts point at it by `posts.issue_id`.

    `status` is "candidate" while too few posts gathered to call it an issue (hidden from
    pages), "open" once it is one, "closed" when the posts stopped (kept for history).
    `centroid` is the unit-length mean of its posts' sentence vectors (the live path compares
    new posts with it); `origin` says which path made it ("live" or "rebuild").
    """

    __tablename__ = "issues"
    __table_args__ = (Index("ix_issues_brand_status_last", "brand_id", "status", "last_seen"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200), default="")
    terms: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    origin: Mapped[str] = mapped_column(String(16), default="live")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    centroid: Mapped[list[float]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
