"""The inbox index also holds the filter columns (intent, sentiment, language, network)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 13:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = [
    "status",
    "brand_id",
    "priority_rank",
    "sla_due_at",
    "opened_at",
    "assignee_id",
    "team_id",
    "escalated",
]
AFTER = [*BEFORE, "intent", "sentiment", "language", "network"]


def upgrade() -> None:
    """Filtered views are answered from the index too, without reading case rows."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_inbox")
        batch_op.create_index("ix_cases_inbox", AFTER, unique=False)


def downgrade() -> None:
    """The index without the filter columns."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_inbox")
        batch_op.create_index("ix_cases_inbox", BEFORE, unique=False)
