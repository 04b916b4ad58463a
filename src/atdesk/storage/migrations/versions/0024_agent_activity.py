"""Agents' activity on cases (viewing, composing) as merged intervals, for handling time and
cost per resolution (ADR 94)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import atdesk.models.base

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The intervals table and its indexes (by user for merging, by brand for reports)."""
    op.create_table(
        "agent_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_agent_activity_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_agent_activity_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_agent_activity_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_activity")),
    )
    with op.batch_alter_table("agent_activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_activity_brand_started", ["brand_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_agent_activity_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_agent_activity_user_ended", ["user_id", "ended_at"], unique=False)


def downgrade() -> None:
    """Drop the table (handling time is lost with it)."""
    with op.batch_alter_table("agent_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_activity_user_ended")
        batch_op.drop_index(batch_op.f("ix_agent_activity_case_id"))
        batch_op.drop_index("ix_agent_activity_brand_started")
    op.drop_table("agent_activity")
