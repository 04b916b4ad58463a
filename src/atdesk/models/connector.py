"""Runtime state of each channel account's connector, and the connectors' admin settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow


class ChannelConnection(Base):
    """Who runs an account's connector (a lease, so one process polls it) and how it fares."""

    __tablename__ = "channel_connections"

    channel_account_id: Mapped[int] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    stream_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    poll_interval_s: Mapped[float] = mapped_column(Float, default=60.0)
    holder: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(32), default="idle")
    last_pass_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    events_read: Mapped[int] = mapped_column(Integer, default=0)
    ignored: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    rate_limits: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ConnectorSetting(Base):
    """One admin setting of the connectors (a network's budget or prices, the alert webhook)."""

    __tablename__ = "connector_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
