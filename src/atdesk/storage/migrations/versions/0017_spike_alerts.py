"""Spike alerts: detected bursts of a brand's posts, one open alert per series and kind; an
index on posts (brand_id, created_at) for the periodic check

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import atdesk.models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ONLY = sa.text("status = 'open'")


def upgrade() -> None:
    """A new table; the periodic check fills it from the next run on."""
    op.create_table(
        "spike_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("series_key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column(
            "terms", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("started_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detected_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("baseline_per_hour", sa.Float(), nullable=False),
        sa.Column("peak_per_hour", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("closed_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["users.id"],
            name=op.f("fk_spike_alerts_acknowledged_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_spike_alerts_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spike_alerts")),
    )
    with op.batch_alter_table("spike_alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_spike_alerts_brand_start", ["brand_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "uq_spike_alerts_open",
            ["brand_id", "series_key", "kind"],
            unique=True,
            sqlite_where=OPEN_ONLY,
            postgresql_where=OPEN_ONLY,
        )
    # a plain CREATE INDEX (no batch): rebuilding posts on SQLite would touch its children
    op.create_index("ix_posts_brand_created", "posts", ["brand_id", "created_at"], unique=False)


def downgrade() -> None:
    """Drop the table; detection itself keeps working from the posts (`atdesk trends`)."""
    op.drop_index("ix_posts_brand_created", table_name="posts")
    with op.batch_alter_table("spike_alerts", schema=None) as batch_op:
        batch_op.drop_index("uq_spike_alerts_open")
        batch_op.drop_index("ix_spike_alerts_brand_start")
    op.drop_table("spike_alerts")
