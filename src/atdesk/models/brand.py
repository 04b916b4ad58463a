"""Brands and the network accounts through which customers reach them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow


class Brand(Base):
    """A company (or one of its support identities) that owns cases."""

    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Registered by a history replay for a company account it found, not by a person (ADR 73).
    replay_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    accounts: Mapped[list[ChannelAccount]] = relationship(
        back_populates="brand", cascade="all, delete-orphan", order_by="ChannelAccount.id"
    )


class ChannelAccount(Base):
    """A brand's account on one network: the credentials row apart from the stateless provider."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("network", "handle_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(320))
    handle_key: Mapped[str] = mapped_column(String(320))
    native_user_id: Mapped[str | None] = mapped_column(String(128), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    brand: Mapped[Brand] = relationship(back_populates="accounts")
