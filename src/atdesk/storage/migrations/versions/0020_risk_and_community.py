"""Reputation risk on cases (score, reasons, high-risk flag in the inbox index) and the
community answers other customers gave in a case's conversation

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import atdesk.models.base

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The inbox index as 0014 left it, and with the High risk view's key, so every built-in
# view's count stays one pass over the index alone.
INDEX_BEFORE = [
    "status",
    "history",
    "brand_id",
    "priority_rank",
    "sla_due_at",
    "opened_at",
    "assignee_id",
    "team_id",
    "escalated",
    "intent",
    "sentiment",
    "language",
    "network",
    "latest_confidence",
]
INDEX_AFTER = [*INDEX_BEFORE, "risk_high"]
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Columns with literal defaults (SQLite adds them in place); existing cases are scored at
    their next sync, when a post arrives or an agent replies."""
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("risk_score", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("risk_reasons", JSON, server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column("risk_high", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.drop_index("ix_cases_inbox")
        batch_op.create_index("ix_cases_inbox", INDEX_AFTER, unique=False)
    op.create_table(
        "community_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("question_post_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("thanked", sa.Boolean(), nullable=False),
        sa.Column("recognised_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["authors.id"], name=op.f("fk_community_answers_author_id_authors")
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_community_answers_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_community_answers_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_community_answers_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_post_id"],
            ["posts.id"],
            name=op.f("fk_community_answers_question_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_answers")),
        sa.UniqueConstraint("post_id", name=op.f("uq_community_answers_post_id")),
    )
    with op.batch_alter_table("community_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_community_answers_brand_author", ["brand_id", "author_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_community_answers_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_community_answers_author_id"), ["author_id"], unique=False
        )


def downgrade() -> None:
    """Drop the table and the columns (in place on SQLite, as 0014 explains)."""
    with op.batch_alter_table("community_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_answers_author_id"))
        batch_op.drop_index(batch_op.f("ix_community_answers_case_id"))
        batch_op.drop_index("ix_community_answers_brand_author")
    op.drop_table("community_answers")
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_cases_inbox")
        batch_op.create_index("ix_cases_inbox", INDEX_BEFORE, unique=False)
        batch_op.drop_column("risk_high")
        batch_op.drop_column("risk_reasons")
        batch_op.drop_column("risk_score")
