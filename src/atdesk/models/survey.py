"""Satisfaction surveys after resolution (CSAT, NPS), the answers, and the sweep's read position."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, UTCDateTime, utcnow


class Survey(Base):
    """The one survey decision a case gets: queued, sent, answered, or skipped with the reason."""

    __tablename__ = "surveys"
    __table_args__ = (
        Index("ix_surveys_author_status", "author_id", "status"),
        Index("ix_surveys_brand_sent", "brand_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    # Unique: a case is surveyed at most once, however often it is resolved or replayed.
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), unique=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    network: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolution_event_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("automation_jobs.id", ondelete="SET NULL")
    )
    prompt_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SurveyResponse(Base):
    """A customer's answer: the score, their words, and the private message that carried it.

    `post_id` is what the case lifecycle looks up: an answer neither reopens nor opens a case.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_brand_answered", "brand_id", "answered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), unique=True
    )
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # After a low score (CSAT 1-2, NPS 0-6), ADR 93: "what could we do better?" asked by
    # private message (queued, sent, skipped, cancelled), and the customer's words back, kept
    # in `comment`. A quiet comment (its case was still resolved) neither reopens nor opens a
    # case, like the answer itself; on a case the loop reopened it is the customer's message.
    question_status: Mapped[str | None] = mapped_column(String(16))
    question_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL")
    )
    question_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), unique=True
    )
    comment_quiet: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    commented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The closed loop: the case reopened ("reopened"), a new linked case ("follow_up", in
    # follow_up_case_id), an open case raised to high ("raised"), or why not ("skipped").
    loop_action: Mapped[str | None] = mapped_column(String(16))
    loop_reason: Mapped[str | None] = mapped_column(String(200))
    loop_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )


class SurveyCursor(Base):
    """How far the survey sweep has read the audit trail, the change feed of resolutions."""

    __tablename__ = "survey_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_audit_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
