"""report_post_days: the post-hour rollup summed per UTC day, filled from the hour rows at
once (they hold the same posts, up to the same mark) (ADR 102)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBERS = ("inbound", "filtered", "positive", "neutral", "negative")
COVERED = ("brand_id", "day", "network", "intent", *NUMBERS)


def upgrade() -> None:
    """The table, its covering index, and the days of the hours already rolled up."""
    op.create_table(
        "report_post_days",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in NUMBERS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_post_days")),
    )
    with op.batch_alter_table("report_post_days", schema=None) as batch_op:
        batch_op.create_index("ix_report_post_days_brand_day", list(COVERED), unique=False)
        batch_op.create_index("ix_report_post_days_day", ["day"], unique=False)
    sums = ", ".join(f"SUM({name})" for name in NUMBERS)
    op.execute(
        f"INSERT INTO report_post_days (brand_id, day, network, intent, {', '.join(NUMBERS)}) "
        f"SELECT brand_id, hour / 24, network, intent, {sums} FROM report_post_hours "
        "GROUP BY brand_id, hour / 24, network, intent"
    )


def downgrade() -> None:
    """Only derived data is lost."""
    with op.batch_alter_table("report_post_days", schema=None) as batch_op:
        batch_op.drop_index("ix_report_post_days_day")
        batch_op.drop_index("ix_report_post_days_brand_day")
    op.drop_table("report_post_days")
