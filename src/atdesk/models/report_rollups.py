"""Stored report rollups, rebuilt exactly from the stored posts with the case facts (ADR 95)."""

from __future__ import annotations

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base

COVERED = (
    "brand_id",
    "hour",
    "network",
    "intent",
    "inbound",
    "filtered",
    "positive",
    "neutral",
    "negative",
)
DAY_COVERED = tuple("day" if name == "hour" else name for name in COVERED)


class PostSums:
    """The key and the sums both post rollups hold; each table adds its own grain column."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brand_id: Mapped[int] = mapped_column(Integer)
    network: Mapped[str] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(64))
    inbound: Mapped[int] = mapped_column(Integer)
    filtered: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)
    neutral: Mapped[int] = mapped_column(Integer)
    negative: Mapped[int] = mapped_column(Integer)


class ReportPostHour(PostSums, Base):
    """Inbound posts of one brand, UTC hour, network and intent, with their noise and sentiment
    counts: what the reports' volume, busiest hours, inbound and sentiment numbers sum, so a
    page reads a few thousand of these instead of tens of thousands of posts.

    `hour` counts whole hours since 1970-01-01 00:00 UTC (integer division gives the UTC day on
    either database). Rows hold the posts with ids up to the `posts` mark of
    ReportRollupMark; newer posts are counted from the posts table until the next refresh.
    """

    __tablename__ = "report_post_hours"
    __table_args__ = (
        # Covering: a page's sums read the index alone.
        Index("ix_report_post_hours_brand_hour", *COVERED),
        Index("ix_report_post_hours_hour", "hour"),
    )

    hour: Mapped[int] = mapped_column(Integer)


class ReportPostDay(PostSums, Base):
    """The post-hour rows summed per UTC day (`hour` // 24), written in the same transaction as
    the hours they sum: a period's whole days read one row where the hours needed 24, which is
    what a 90-day page's inbound, per-day and volume numbers cost (ADR 102)."""

    __tablename__ = "report_post_days"
    __table_args__ = (
        Index("ix_report_post_days_brand_day", *DAY_COVERED),
        Index("ix_report_post_days_day", "day"),
    )

    day: Mapped[int] = mapped_column(Integer)


class ReportRollupMark(Base):
    """How far a rollup has folded in its source: for `posts`, the highest post id counted.

    Moved only when a refresh pass has written every hour it found changed, so a pass cut
    short recomputes the same hours next time.
    """

    __tablename__ = "report_rollup_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class CaseSums:
    """The counts and packed value lists both case rollups hold; each adds its own key."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brand_id: Mapped[int] = mapped_column(Integer)
    cases: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)
    ever_resolved: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    automated: Mapped[int] = mapped_column(Integer)
    touched: Mapped[int] = mapped_column(Integer)
    handed_off: Mapped[int] = mapped_column(Integer)
    sla_met: Mapped[int] = mapped_column(Integer)
    sla_reached: Mapped[int] = mapped_column(Integer)  # targets reached (settled whatever now)
    backlog: Mapped[int] = mapped_column(Integer)
    # The value lists packed as doubles (reports.case_sums.pack): exact, and read in microseconds.
    values_blob: Mapped[bytes] = mapped_column(LargeBinary)


class ReportCaseDay(CaseSums, Base):
    """The case facts of one brand and UTC day of opening, summed: counts, and the exact
    values the medians and p90s rank (packed lists), so a summary or a per-period table
    over 20 brands' 30 days reads 600 rows instead of 33,000 (ADR 95).

    Written in the same transaction as the case_facts rows it sums. `day` counts days since
    1970-01-01. What depends on the moment of the report is kept as moments, in integer
    microseconds since 1970: the backlog cases' openings (their ages), the due moments of
    targets not reached yet (settled once passed).
    """

    __tablename__ = "report_case_days"
    __table_args__ = (Index("ix_report_case_days_brand_day", "brand_id", "day", unique=True),)

    day: Mapped[int] = mapped_column(Integer)


class ReportCaseWeek(CaseSums, Base):
    """The case facts of one brand and week of opening, summed per team and, apart, per
    assignee as the case days are: the by-team and by-agent tables read a period's whole
    weeks here (ADR 103).

    `week` counts 7-day blocks since 1970-01-01 (day // 7); `dimension` is 'team' or 'agent'
    and `key_id` the team's or user's id, 0 for a case without one. Written in the same
    transaction as the facts rows it sums, so a case handed to another team or agent leaves
    its old row and joins its new one at once.
    """

    __tablename__ = "report_case_weeks"
    __table_args__ = (Index("ix_report_case_weeks_brand_week", "brand_id", "week", "dimension"),)

    week: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(String(8))
    key_id: Mapped[int] = mapped_column(Integer)
