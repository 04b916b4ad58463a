"""Incidents: one problem many customers write about, its linked cases, updates and deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow


class Incident(Base):
    """A supervisor's incident on one brand: open while it links cases, closed once resolved.

    `issue_id` names the emerging issue it was made from; a rebuild that drops that issue
    leaves the incident and its cases as they are (the link becomes NULL).
    """

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_brand_status", "brand_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Lower-cased words or phrases; a new open case whose customer post contains all of one
    # entry is linked while the incident is open.
    match_terms: Mapped[list[str]] = mapped_column(JSONType, default=list)
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="SET NULL"), index=True
    )
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class IncidentCase(Base):
    """A case affected by an incident, and how it was linked (manual, issue or matched)."""

    __tablename__ = "incident_cases"
    __table_args__ = (UniqueConstraint("incident_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    how: Mapped[str] = mapped_column(String(16))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentUpdate(Base):
    """One message to every affected customer: pending approval, rejected, or sent out.

    `text` is the template; each recipient's personalised text is on its delivery.
    """

    __tablename__ = "incident_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IncidentDelivery(Base):
    """One update for one customer: unique per (update, recipient), so nobody gets it twice.

    `recipient` is `customer:<id>` when the author is linked to a customer record, else
    `author:<id>`; the delivery is sent by its own durable job (`job_id`).
    """

    __tablename__ = "incident_deliveries"
    __table_args__ = (
        UniqueConstraint("update_id", "recipient"),
        Index("ix_incident_deliveries_update_status", "update_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("incident_updates.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("automation_jobs.id", ondelete="SET NULL"), index=True
    )
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("reply_drafts.id", ondelete="SET NULL"))
    sent_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
