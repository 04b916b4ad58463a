"""The API spend ledger: every call to a network with what it cost, and per-item charges.

Money is kept in integer micro-units of the price table's currency (0.005 USD = 5000), so
sums are exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, UTCDateTime, utcnow


class ApiCallRecord(Base):
    """One HTTP call to a network; `case_id` is set when the caller's ref names the case."""

    __tablename__ = "api_calls"
    __table_args__ = (Index("ix_api_calls_network_month", "network", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    month: Mapped[str] = mapped_column(String(7))
    network: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(320))
    channel_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="SET NULL"), index=True
    )
    operation: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    endpoint: Mapped[str] = mapped_column(String(200))
    status: Mapped[int] = mapped_column(Integer)
    items: Mapped[int] = mapped_column(Integer, default=0)
    cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    ref: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )


class ApiCharge(Base):
    """What reading (or creating) one post cost, so spend follows the post into its case."""

    __tablename__ = "api_charges"
    __table_args__ = (Index("ix_api_charges_network_native_id", "network", "native_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("api_calls.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(String(16))
    native_id: Mapped[str] = mapped_column(String(128))
    cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
