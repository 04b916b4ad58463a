"""Channel health alerts: one open alert per account and kind, closed when the problem ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, UTCDateTime, utcnow

OPEN_ONLY = text("closed_at IS NULL")


class ChannelAlert(Base):
    """A problem on one network account an admin must see (expired token, failing stream...).

    Repeated notices of the same problem bump `count` and `last_seen_at` on the open alert;
    the partial unique index makes a second open alert of the same kind impossible.
    """

    __tablename__ = "channel_alerts"
    __table_args__ = (
        Index(
            "uq_channel_alerts_open",
            "network",
            "account",
            "kind",
            unique=True,
            sqlite_where=OPEN_ONLY,
            postgresql_where=OPEN_ONLY,
        ),
        Index("ix_channel_alerts_opened_at", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="SET NULL"), index=True
    )
    network: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer, default=1)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(200))
