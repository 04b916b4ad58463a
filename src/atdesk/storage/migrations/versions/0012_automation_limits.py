"""Automated messages: each one queued or skipped by the limits, with the rule that sent it

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import atdesk.models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULE_ONCE = sa.text("kind = 'rule' AND part = 1 AND status = 'queued'")


def _fk(column: str, table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{table}.id"],
        name=op.f(f"fk_automated_messages_{column}_{table}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    """A new table; messages queued before this version are not counted (they are history)."""
    op.create_table(
        "automated_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("rule_name", sa.String(length=120), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        _fk("author_id", "authors", "CASCADE"),
        _fk("brand_id", "brands", "CASCADE"),
        _fk("case_id", "cases", "CASCADE"),
        _fk("customer_id", "customers", "SET NULL"),
        _fk("job_id", "automation_jobs", "SET NULL"),
        _fk("post_id", "posts", "SET NULL"),
        _fk("rule_id", "automation_rules", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automated_messages")),
    )
    with op.batch_alter_table("automated_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_automated_messages_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_automated_messages_job_id"), ["job_id"], unique=False)
        batch_op.create_index(
            "ix_automated_messages_author", ["author_id", "decided_at"], unique=False
        )
        batch_op.create_index(
            "ix_automated_messages_customer", ["customer_id", "decided_at"], unique=False
        )
        batch_op.create_index(
            "uq_automated_messages_rule_once",
            ["case_id", "rule_id"],
            unique=True,
            sqlite_where=RULE_ONCE,
            postgresql_where=RULE_ONCE,
        )


def downgrade() -> None:
    """Drop the table (the jobs keep their payloads; only the limits' memory goes)."""
    with op.batch_alter_table("automated_messages", schema=None) as batch_op:
        batch_op.drop_index("uq_automated_messages_rule_once")
        batch_op.drop_index("ix_automated_messages_customer")
        batch_op.drop_index("ix_automated_messages_author")
        batch_op.drop_index(batch_op.f("ix_automated_messages_job_id"))
        batch_op.drop_index(batch_op.f("ix_automated_messages_case_id"))
    op.drop_table("automated_messages")
