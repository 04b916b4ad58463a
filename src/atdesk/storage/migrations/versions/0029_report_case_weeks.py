"""report_case_weeks: the case facts summed per brand, week of opening and team or assignee,
for the by-team and by-agent tables; the next facts refresh fills it (ADR 103)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEASURED = (
    "brand_id", "opened_at", "first_response_s", "first_response_bh_s", "next_response_s",
    "resolution_s", "resolution_bh_s",
)  # fmt: skip
KEYED = (*MEASURED, "status", "history", "team_id", "assignee_id")
COUNTS = (
    "cases", "answered", "resolved", "ever_resolved", "reopened", "automated", "touched",
    "handed_off", "sla_met", "sla_reached", "backlog",
)  # fmt: skip


def upgrade() -> None:
    """The table and its index (rows come from the facts refresh: its mark is not set yet),
    and the facts' measured index covering the backlog's conditions and the keys too."""
    op.create_table(
        "report_case_weeks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("values_blob", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_case_weeks")),
    )
    with op.batch_alter_table("report_case_weeks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_case_weeks_brand_week", ["brand_id", "week", "dimension"], unique=False
        )
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_case_facts_measured")
        batch_op.create_index("ix_case_facts_measured", list(KEYED), unique=False)


def downgrade() -> None:
    """Only derived data is lost."""
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_case_facts_measured")
        batch_op.create_index("ix_case_facts_measured", list(MEASURED), unique=False)
    with op.batch_alter_table("report_case_weeks", schema=None) as batch_op:
        batch_op.drop_index("ix_report_case_weeks_brand_week")
    op.drop_table("report_case_weeks")
