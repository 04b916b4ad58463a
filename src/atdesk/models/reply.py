"""Replies agents write: sent at once, or held for a supervisor's approval on sensitive cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from atdesk.models.base import Base, UTCDateTime, utcnow
from atdesk.models.user import User


class ReplyDraft(Base):
    """One outbound reply and its way out: pending -> approved/rejected -> sending -> sent/failed.

    A reply left `sending` by a process that died mid-call becomes `unconfirmed`.
    """

    __tablename__ = "reply_drafts"
    __table_args__ = (Index("ix_reply_drafts_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mode: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    reply_to_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16))
    hold_reason: Mapped[str] = mapped_column(String(200), default="")
    reviewer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")
    sent_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The automation job that sent it, so a retried job never sends the same message twice.
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("automation_jobs.id", ondelete="SET NULL"), index=True
    )

    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_user_id])
    reviewer: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[reviewer_user_id])
