"""SLA policies per brand and priority, counted in the brand's business hours."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, JSONType


class SlaPolicy(Base):
    """Targets in business minutes for one brand and one priority."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("brand_id", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    priority: Mapped[str] = mapped_column(String(16))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    next_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)


class BusinessCalendar(Base):
    """A brand's working week in its own time zone: {"0": [["09:00", "17:00"]], ...}, 0 = Monday.

    An empty week means around the clock.
    """

    __tablename__ = "business_calendars"

    brand_id: Mapped[int] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    week: Mapped[dict[str, list[list[str]]]] = mapped_column(JSONType, default=dict)


class Holiday(Base):
    """A day the brand's clock stands still."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("brand_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")
