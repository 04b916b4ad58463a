"""Automation rules per brand, the log that makes their actions idempotent, and outbound jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow


class AutomationRule(Base):
    """When a post meets `conditions`, do `actions`; rules run in `position` order per brand."""

    __tablename__ = "automation_rules"
    __table_args__ = (UniqueConstraint("brand_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    stop: Mapped[bool] = mapped_column(Boolean, default=False)
    # The intent confidence the rule needs to act; NULL: the default (rules.DEFAULT_MIN_CONFIDENCE).
    min_confidence: Mapped[float | None] = mapped_column(Float)
    default_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RuleRun(Base):
    """A rule acted on a post: the unique pair is why a replayed post never acts twice."""

    __tablename__ = "rule_runs"
    __table_args__ = (UniqueConstraint("rule_id", "post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("automation_rules.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AutomatedPost(Base):
    """An inbound post the automation stage has looked at, so a redelivery looks no further."""

    __tablename__ = "automated_posts"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    handled_by: Mapped[str] = mapped_column(String(32), default="rules")
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AutomationJob(Base):
    """One call to the outside world (Open311, a webhook, a DM), kept until it succeeds or a
    person takes over; `key` makes queueing the same job twice a no-op."""

    __tablename__ = "automation_jobs"
    __table_args__ = (Index("ix_automation_jobs_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# A rule's first message on a case: at most one queued per (case, rule), even with two workers.
RULE_ONCE = text("kind = 'rule' AND part = 1 AND status = 'queued'")


class AutomatedMessage(Base):
    """One automated message to a customer, queued or skipped by the limits (ADR 74).

    The rows are what the limits count: one message per case and rule (the first `part` of a
    rule's firing decides; the rest of that firing follows it) and N per customer per hour.
    """

    __tablename__ = "automated_messages"
    __table_args__ = (
        Index(
            "uq_automated_messages_rule_once",
            "case_id",
            "rule_id",
            unique=True,
            sqlite_where=RULE_ONCE,
            postgresql_where=RULE_ONCE,
        ),
        Index("ix_automated_messages_author", "author_id", "decided_at"),
        Index("ix_automated_messages_customer", "customer_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("automation_rules.id", ondelete="SET NULL")
    )
    # As it was when the message was decided: the case keeps saying which rule sent it.
    rule_name: Mapped[str] = mapped_column(String(120), default="")
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    part: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200), default="")
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("automation_jobs.id", ondelete="SET NULL"), index=True
    )
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
