"""The inbox index: every view count and the first page are index-only scans of open cases

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "status",
    "brand_id",
    "priority_rank",
    "sla_due_at",
    "opened_at",
    "assignee_id",
    "team_id",
    "escalated",
]


def upgrade() -> None:
    """Replace the narrow inbox index with one that covers every view's filter and sort."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_inbox_order")
        batch_op.create_index("ix_cases_inbox", COLUMNS, unique=False)


def downgrade() -> None:
    """Back to the narrow index."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_inbox")
        batch_op.create_index(
            "ix_cases_inbox_order", ["status", "priority_rank", "sla_due_at"], unique=False
        )
