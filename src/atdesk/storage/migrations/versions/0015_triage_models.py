"""Intent models retrained from agents' corrections: each candidate, its scores, the live one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import atdesk.models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A new table; until a retrain promotes a model every brand keeps the shipped one."""
    op.create_table(
        "triage_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column(
            "scores", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("live", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_triage_models_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_models")),
        sa.UniqueConstraint("version", name=op.f("uq_triage_models_version")),
    )
    with op.batch_alter_table("triage_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_models_brand_id"), ["brand_id"], unique=False)


def downgrade() -> None:
    """Drop the table; every brand is triaged by the shipped models again (files stay on disk)."""
    with op.batch_alter_table("triage_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_models_brand_id"))
    op.drop_table("triage_models")
