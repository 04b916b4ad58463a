"""Posts and private messages, inbound and outbound, with what triage said about them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow
from atdesk.models.customer import Author


class Post(Base):
    """One stored post; (network, native_id) is the idempotency key; nothing is ever deleted."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("network", "native_id"),
        Index("ix_posts_conversation_time", "conversation_id", "created_at"),
        # The review list of filtered and of abuse-flagged posts, per brand, newest first.
        Index("ix_posts_brand_filtered", "brand_id", "filtered_reason", "created_at"),
        Index("ix_posts_brand_abuse", "brand_id", "abuse", "created_at"),
        # spike detection reads a brand's posts of the last days every few minutes
        Index("ix_posts_brand_created", "brand_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(16))
    native_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="SET NULL"))
    # The emerging issue (insights) this inbound post was grouped into; NULL when none.
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    in_reply_to: Mapped[str | None] = mapped_column(String(128))
    inbound: Mapped[bool] = mapped_column(Boolean)
    direct: Mapped[bool] = mapped_column(Boolean, default=False)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    media: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source: Mapped[str] = mapped_column(String(32), default="")
    filtered_reason: Mapped[str | None] = mapped_column(String(64))
    intent: Mapped[str | None] = mapped_column(String(64))
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    sentiment: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    spam: Mapped[bool] = mapped_column(Boolean, default=False)
    abuse: Mapped[bool] = mapped_column(Boolean, default=False)
    pii: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[str | None] = mapped_column(String(16))
    entities: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    triage_notes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Which model gave the labels above (triage.versions.model_version); NULL before 0014.
    model_version: Mapped[str | None] = mapped_column(String(80))
    sent_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # How the post reached its brand: mention, direct, term, executive, brand_thread (ADR 88);
    # NULL for outbound posts, unassigned ones and posts stored before 0019.
    heard_as: Mapped[str | None] = mapped_column(String(16))
    # Heard beyond the brand's mentions without asking for help: kept for insights, no case.
    listen_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Text, media, place and author removed by retention or a customer's erasure (ADR 101).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[Author] = relationship(lazy="joined")
