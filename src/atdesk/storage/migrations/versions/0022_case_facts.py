"""case_facts: one row per case with its measured times, keys and flags for reports (ADR 91)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import atdesk.models.base

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The table and its (brand, opened) index; the worker fills it from the stored facts."""
    when = atdesk.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "case_facts",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("history", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", when, nullable=False),
        sa.Column("inbound_posts", sa.Integer(), nullable=False),
        sa.Column("first_response_at", when, nullable=True),
        sa.Column("first_response_s", sa.Float(), nullable=True),
        sa.Column("first_response_bh_s", sa.Float(), nullable=True),
        sa.Column("next_response_s", sa.Float(), nullable=True),
        sa.Column("next_response_waits", sa.Integer(), nullable=False),
        sa.Column("resolved_at", when, nullable=True),
        sa.Column("resolution_s", sa.Float(), nullable=True),
        sa.Column("resolution_bh_s", sa.Float(), nullable=True),
        sa.Column("first_response_due_at", when, nullable=True),
        sa.Column("resolution_due_at", when, nullable=True),
        sa.Column("reopens", sa.Integer(), nullable=False),
        sa.Column("human_replied", sa.Boolean(), nullable=False),
        sa.Column("automation_replied", sa.Boolean(), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("handoff", sa.Boolean(), nullable=False),
        sa.Column("case_updated_at", when, nullable=False),
        sa.Column("facts_version", sa.Integer(), nullable=False),
        sa.Column("audit_watermark", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_facts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_facts")),
    )
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.create_index("ix_case_facts_brand_opened", ["brand_id", "opened_at"], unique=False)


def downgrade() -> None:
    """Only derived data is lost: a rebuild recomputes every row."""
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_case_facts_brand_opened")
    op.drop_table("case_facts")
