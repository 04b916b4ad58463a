"""Cases: the unit of work an agent resolves, with its clocks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow
from atdesk.models.brand import Brand
from atdesk.models.customer import Author


class Case(Base):
    """An inbound customer conversation with a brand, from first post to resolution."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_priority", "status", "priority_rank"),
        # Cases resolved in a period, with their brand: what cost per resolution reads.
        Index("ix_cases_resolved", "status", "history", "resolved_at", "brand_id"),
        Index(
            "ix_cases_inbox",
            "status",
            "history",
            "brand_id",
            "priority_rank",
            "sla_due_at",
            "opened_at",
            "assignee_id",
            "team_id",
            "escalated",
            "intent",
            "sentiment",
            "language",
            "network",
            "latest_confidence",
            "risk_high",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id"), unique=True, index=True
    )
    customer_author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    priority_rank: Mapped[int] = mapped_column(Integer, default=1)
    intent: Mapped[str | None] = mapped_column(String(64))
    # Triage's confidence in the latest customer post's intent: the Needs review view's key.
    latest_confidence: Mapped[float | None] = mapped_column(Float)
    sentiment: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    network: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(280), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    last_customer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_agent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_seconds: Mapped[int | None] = mapped_column(Integer)
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    inbound_count: Mapped[int] = mapped_column(Integer, default=0)
    outbound_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set by people, never overwritten by the pipeline's sync:
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    priority_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitive_reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Reputation risk (cases/risk.py, ADR 89), recomputed as the conversation grows: the score,
    # its reasons ({"reason", "points"}, heaviest first) and whether it reaches the brand's
    # threshold (the Escalations queue; public replies then wait for approval).
    risk_score: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    risk_reasons: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONType, default=list, server_default="[]"
    )
    risk_high: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Opened by a history ingest (ADR 73): no SLA clocks, outside the working views until a
    # customer writes again live.
    history: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The live customer post that made a history case a working one: its clocks start here.
    live_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SLA clocks, in the brand's business hours; sla_due_at is the earliest one still running:
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Bumped by every reply sent, so two agents cannot answer the same post at once:
    reply_version: Mapped[int] = mapped_column(Integer, default=0)
    # Subject and customer removed by retention or a customer's erasure (ADR 101).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    brand: Mapped[Brand] = relationship(lazy="joined")
    customer_author: Mapped[Author] = relationship(lazy="joined")
