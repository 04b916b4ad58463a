"""Rules act only when triage is sure (a per-rule minimum confidence), posts name their model,
cases keep their latest post's confidence (the Needs review view)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The inbox index as 0011 left it, and with the Needs review key: every built-in view's count
# stays one pass over the index alone (reading 25,000 case rows for it cost ~25 ms on SQLite).
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
]
INDEX_AFTER = [*INDEX_BEFORE, "latest_confidence"]


def upgrade() -> None:
    """Nullable columns: existing rules take the default confidence, old posts name no model;
    open cases get their latest customer post's confidence now, the rest at their next sync."""
    with op.batch_alter_table("automation_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("min_confidence", sa.Float(), nullable=True))
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_version", sa.String(length=80), nullable=True))
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("latest_confidence", sa.Float(), nullable=True))
        batch_op.drop_index("ix_cases_inbox")
        batch_op.create_index("ix_cases_inbox", INDEX_AFTER, unique=False)
    op.execute(
        "UPDATE cases SET latest_confidence = (SELECT p.intent_confidence FROM posts p"
        " WHERE p.case_id = cases.id AND p.inbound = true AND p.filtered_reason IS NULL"
        " ORDER BY p.created_at DESC, p.id DESC LIMIT 1)"
        " WHERE status IN ('new', 'open', 'pending')"
    )


def downgrade() -> None:
    """Drop them; rules then act at any confidence again.

    SQLite (3.35+) drops the columns in place: rebuilding cases or posts, which other tables
    reference, would trip the foreign keys atdesk turns on for every connection (ADR 73's
    migration says the same).
    """
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_cases_inbox")
        batch_op.create_index("ix_cases_inbox", INDEX_BEFORE, unique=False)
        batch_op.drop_column("latest_confidence")
    with op.batch_alter_table("posts", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("model_version")
    with op.batch_alter_table("automation_rules", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("min_confidence")
