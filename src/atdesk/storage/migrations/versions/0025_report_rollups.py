"""report rollups: inbound posts per brand, UTC hour, network and intent; case facts per brand
and UTC day; a covering index for
the exact medians' read of case_facts (ADR 95)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
COUNTS = (
    "cases", "answered", "resolved", "ever_resolved", "reopened", "automated", "touched",
    "handed_off", "sla_met", "sla_reached", "backlog",
)  # fmt: skip
MEASURED = (
    "brand_id",
    "opened_at",
    "first_response_s",
    "first_response_bh_s",
    "next_response_s",
    "resolution_s",
    "resolution_bh_s",
)


def upgrade() -> None:
    """Empty rollups (the next facts refresh fills them) and the covering index."""
    op.create_table(
        "report_post_hours",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("inbound", sa.Integer(), nullable=False),
        sa.Column("filtered", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_post_hours")),
    )
    with op.batch_alter_table("report_post_hours", schema=None) as batch_op:
        batch_op.create_index("ix_report_post_hours_brand_hour", list(COVERED), unique=False)
        batch_op.create_index("ix_report_post_hours_hour", ["hour"], unique=False)
    op.create_table(
        "report_rollup_marks",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_rollup_marks")),
    )
    op.create_table(
        "report_case_days",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("values_blob", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_case_days")),
    )
    with op.batch_alter_table("report_case_days", schema=None) as batch_op:
        batch_op.create_index("ix_report_case_days_brand_day", ["brand_id", "day"], unique=True)
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.create_index("ix_case_facts_measured", list(MEASURED), unique=False)


def downgrade() -> None:
    """Only derived data is lost: the next refresh rebuilds the rollups."""
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_case_facts_measured")
    with op.batch_alter_table("report_post_hours", schema=None) as batch_op:
        batch_op.drop_index("ix_report_post_hours_hour")
        batch_op.drop_index("ix_report_post_hours_brand_hour")
    op.drop_table("report_post_hours")
    op.drop_table("report_rollup_marks")
    with op.batch_alter_table("report_case_days", schema=None) as batch_op:
        batch_op.drop_index("ix_report_case_days_brand_day")
    op.drop_table("report_case_days")
