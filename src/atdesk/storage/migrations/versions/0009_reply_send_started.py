"""Replies remember when their send started, so one left unfinished by a crash is found.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import atdesk.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A nullable time: replies sent before this version never started a send to check."""
    with op.batch_alter_table("reply_drafts") as batch:
        batch.add_column(
            sa.Column(
                "send_started_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("reply_drafts") as batch:
        batch.drop_column("send_started_at")
