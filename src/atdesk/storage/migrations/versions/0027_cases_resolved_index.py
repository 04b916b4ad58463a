"""cases resolved in a period, read from an index: cost per resolution walked every resolved
case's row six times to find those of the period

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["status", "history", "resolved_at", "brand_id"]


def upgrade() -> None:
    """One covering index: the period is a range of it and the brand is read from it."""
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.create_index("ix_cases_resolved", COLUMNS, unique=False)


def downgrade() -> None:
    """Drop the index."""
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_cases_resolved")
