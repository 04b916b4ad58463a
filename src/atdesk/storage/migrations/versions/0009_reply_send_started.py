"""Replies remember when their send started and which job sent them, so a send left
unfinished by a crash is found and never repeated by a retried job.

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
    """Nullable: replies sent before this version have neither."""
    with op.batch_alter_table("reply_drafts") as batch:
        batch.add_column(
            sa.Column(
                "send_started_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_reply_drafts_job_id_automation_jobs"),
            "automation_jobs",
            ["job_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_reply_drafts_job_id"), ["job_id"], unique=False)


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("reply_drafts") as batch:
        batch.drop_index(op.f("ix_reply_drafts_job_id"))
        batch.drop_constraint(op.f("fk_reply_drafts_job_id_automation_jobs"), type_="foreignkey")
        batch.drop_column("job_id")
        batch.drop_column("send_started_at")
