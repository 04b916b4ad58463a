"""Rules act only when triage is sure (a per-rule minimum confidence) and posts name their model

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


def upgrade() -> None:
    """Two nullable columns: existing rules take the default confidence, old posts no model."""
    with op.batch_alter_table("automation_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("min_confidence", sa.Float(), nullable=True))
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_version", sa.String(length=80), nullable=True))


def downgrade() -> None:
    """Drop both; rules then act at any confidence again."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("model_version")
    with op.batch_alter_table("automation_rules", schema=None) as batch_op:
        batch_op.drop_column("min_confidence")
