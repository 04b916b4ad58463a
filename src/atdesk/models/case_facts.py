"""One row per case with its measured times, keys and flags: what reports aggregate (ADR 91)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, UTCDateTime


class CaseFacts(Base):
    """A case's report facts, computed from its posts, audit trail and calendar, never counters.

    Rebuilt exactly from those facts by `reports.facts.rebuild`; refreshed incrementally for
    the cases whose row changed since (`case_updated_at` differs) or whose formulas did
    (`facts_version`), and dropped by the refresh once their case is gone.
    """

    __tablename__ = "case_facts"
    __table_args__ = (
        Index("ix_case_facts_brand_opened", "brand_id", "opened_at"),
        # Covers the exact medians' read (ADR 95): the measured seconds come from the index,
        # with the backlog's conditions and the team and agent keys (ADR 103).
        Index(
            "ix_case_facts_measured",
            "brand_id",
            "opened_at",
            "first_response_s",
            "first_response_bh_s",
            "next_response_s",
            "resolution_s",
            "resolution_bh_s",
            "status",
            "history",
            "team_id",
            "assignee_id",
        ),
    )

    # No foreign key: a merged-away case's row stays until the refresh shifts its values out
    # of the rollups and drops it (ADR 107); purging a case drops its row with it.
    case_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_id: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    network: Mapped[str] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(64))
    issue_id: Mapped[int | None] = mapped_column(Integer)
    history: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    inbound_posts: Mapped[int] = mapped_column(Integer, default=0)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_s: Mapped[float | None] = mapped_column(Float)
    first_response_bh_s: Mapped[float | None] = mapped_column(Float)
    # The mean of the case's later waits (customer writes again -> the brand's next reply).
    next_response_s: Mapped[float | None] = mapped_column(Float)
    next_response_waits: Mapped[int] = mapped_column(Integer, default=0)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_s: Mapped[float | None] = mapped_column(Float)
    resolution_bh_s: Mapped[float | None] = mapped_column(Float)
    # The SLA targets as moments, in the brand's business hours at the case's priority.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopens: Mapped[int] = mapped_column(Integer, default=0)
    human_replied: Mapped[bool] = mapped_column(Boolean, default=False)
    automation_replied: Mapped[bool] = mapped_column(Boolean, default=False)
    automated: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    case_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    facts_version: Mapped[int] = mapped_column(Integer)
    # The audit trail was read up to this event id when the row was computed.
    audit_watermark: Mapped[int] = mapped_column(Integer, default=0)
