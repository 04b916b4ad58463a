"""Emerging issues: groups of similar inbound customer posts of one brand ("app crashes · 5.2")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow


class Issue(Base):
    """One group of posts about the same thing, per brand; posts point at it by `posts.issue_id`.

    `status` is "open" while posts keep coming (the live path adds new posts only to open
    issues) and "closed" once none came for 72 hours (kept for history). Posts not yet in any
    issue are the candidates the discovery pass groups (ADR 85).
    `centroid` is the unit-length mean of its posts' sentence vectors as float32 bytes (the
    live path compares every new post with its brand's open issues' centroids: bytes decode in
    microseconds where a JSON list of 384 numbers took a third of a millisecond); `origin`
    says which path made it ("live" or "rebuild").
    """

    __tablename__ = "issues"
    __table_args__ = (Index("ix_issues_brand_status_last", "brand_id", "status", "last_seen"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200), default="")
    terms: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    origin: Mapped[str] = mapped_column(String(16), default="live")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    centroid: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
