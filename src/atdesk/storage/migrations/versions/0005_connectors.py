"""Connectors: channel health alerts, the API spend ledger, connector leases and settings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import atdesk.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "connector_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column(
            "value", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("updated_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_connector_settings")),
    )
    op.create_table(
        "channel_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_account_id", sa.Integer(), nullable=True),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("opened_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reset_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_channel_alerts_channel_account_id_channel_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_alerts")),
    )
    with op.batch_alter_table("channel_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_alerts_channel_account_id"), ["channel_account_id"], unique=False
        )
        batch_op.create_index("ix_channel_alerts_opened_at", ["opened_at"], unique=False)
        batch_op.create_index(
            "uq_channel_alerts_open",
            ["network", "account", "kind"],
            unique=True,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )

    op.create_table(
        "channel_connections",
        sa.Column("channel_account_id", sa.Integer(), nullable=False),
        sa.Column("stream_enabled", sa.Boolean(), nullable=False),
        sa.Column("poll_interval_s", sa.Float(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("lease_until", atdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("last_pass_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_ok_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("events_read", sa.Integer(), nullable=False),
        sa.Column(
            "ignored", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "rate_limits", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("updated_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_channel_connections_channel_account_id_channel_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_account_id", name=op.f("pk_channel_connections")),
    )
    op.create_table(
        "api_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=320), nullable=False),
        sa.Column("channel_account_id", sa.Integer(), nullable=True),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("endpoint", sa.String(length=200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_api_calls_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["channel_account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_api_calls_channel_account_id_channel_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_calls")),
    )
    with op.batch_alter_table("api_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_calls_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_api_calls_channel_account_id"), ["channel_account_id"], unique=False
        )
        batch_op.create_index("ix_api_calls_network_month", ["network", "month"], unique=False)

    op.create_table(
        "api_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("native_id", sa.String(length=128), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["api_calls.id"],
            name=op.f("fk_api_charges_call_id_api_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_charges")),
    )
    with op.batch_alter_table("api_charges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_charges_call_id"), ["call_id"], unique=False)
        batch_op.create_index(
            "ix_api_charges_network_native_id", ["network", "native_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("api_charges", schema=None) as batch_op:
        batch_op.drop_index("ix_api_charges_network_native_id")
        batch_op.drop_index(batch_op.f("ix_api_charges_call_id"))

    op.drop_table("api_charges")
    with op.batch_alter_table("api_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_api_calls_network_month")
        batch_op.drop_index(batch_op.f("ix_api_calls_channel_account_id"))
        batch_op.drop_index(batch_op.f("ix_api_calls_case_id"))

    op.drop_table("api_calls")
    op.drop_table("channel_connections")
    with op.batch_alter_table("channel_alerts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_channel_alerts_open",
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )
        batch_op.drop_index("ix_channel_alerts_opened_at")
        batch_op.drop_index(batch_op.f("ix_channel_alerts_channel_account_id"))

    op.drop_table("channel_alerts")
    op.drop_table("connector_settings")
