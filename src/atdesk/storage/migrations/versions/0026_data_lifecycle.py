"""When a post or a case was anonymised (retention or a customer's erasure), so a sweep never
reads it twice and pages can say why the text is gone (ADR 101)

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import atdesk.models.base

revision: str = "0026"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Two nullable columns (added in place on SQLite, no table rewrite)."""
    for table in ("posts", "cases"):
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.add_column(
                sa.Column("anonymised_at", atdesk.models.base.UTCDateTime(), nullable=True)
            )


def downgrade() -> None:
    """Drop the columns again (in place on SQLite, as 0014 explains)."""
    for table in ("cases", "posts"):
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("anonymised_at")
