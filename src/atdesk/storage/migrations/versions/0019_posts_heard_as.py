"""Listening beyond @mentions: how each post reached its brand, and heard posts kept as mentions

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Two nullable/defaulted columns: stored posts keep NULL (heard before listening)."""
    with op.batch_alter_table("posts", schema=None, recreate="never") as batch:
        batch.add_column(sa.Column("heard_as", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("listen_only", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("posts", schema=None, recreate="never") as batch:
        batch.drop_column("listen_only")
        batch.drop_column("heard_as")
