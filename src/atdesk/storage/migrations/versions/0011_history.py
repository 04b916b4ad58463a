"""History: cases a history ingest opened (and when a live post woke one), and brands that
exist only because of a replay

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import atdesk.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX_BEFORE = [
    "status",
    "brand_id",
    "priority_rank",
    "sla_due_at",
    "opened_at",
    "assignee_id",
    "team_id",
    "escalated",
    "intent",
    "sentiment",
    "language",
    "network",
]
# Right after status: the working views seek past history, the History view seeks to it.
INDEX_AFTER = ["status", "history", *INDEX_BEFORE[1:]]
# A literal, not sa.false(): SQLite adds a column with a literal default in place, while an
# expression default would make Alembic rebuild brands and cases, which other tables reference.
FALSE = "0"
# Before this revision only `atdesk ingest` (history by definition) stored twcs rows.
REPLAY_SOURCE = "twcs"

cases = sa.table(
    "cases",
    sa.column("id", sa.Integer()),
    sa.column("history", sa.Boolean()),
    sa.column("first_response_due_at", sa.DateTime()),
    sa.column("next_response_due_at", sa.DateTime()),
    sa.column("resolution_due_at", sa.DateTime()),
    sa.column("sla_due_at", sa.DateTime()),
)
posts = sa.table(
    "posts",
    sa.column("case_id", sa.Integer()),
    sa.column("inbound", sa.Boolean()),
    sa.column("source", sa.String()),
)
brands = sa.table("brands", sa.column("id", sa.Integer()), sa.column("replay_only", sa.Boolean()))
audit_events = sa.table(
    "audit_events",
    sa.column("entity_type", sa.String()),
    sa.column("entity_id", sa.Integer()),
    sa.column("action", sa.String()),
)


def upgrade() -> None:
    """Two flags (false for everything live), the inbox index with history, and a backfill."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("history", sa.Boolean(), server_default=FALSE, nullable=False)
        )
        batch_op.add_column(
            sa.Column("live_since", atdesk.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_index("ix_cases_inbox")
        batch_op.create_index("ix_cases_inbox", INDEX_AFTER, unique=False)
    with op.batch_alter_table("brands", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("replay_only", sa.Boolean(), server_default=FALSE, nullable=False)
        )
    _backfill()


def _backfill() -> None:
    """Cases whose customer posts all came from a twcs replay are history, without clocks;
    brands nobody created (create_brand audits every creation, the replay's do not) are
    replay-only."""
    inbound = sa.and_(posts.c.case_id == cases.c.id, posts.c.inbound.is_(sa.true()))
    replayed = sa.exists().where(inbound, posts.c.source == REPLAY_SOURCE)
    live = sa.exists().where(inbound, posts.c.source != REPLAY_SOURCE)
    op.execute(
        cases.update()
        .where(replayed, ~live)
        .values(
            history=sa.true(),
            first_response_due_at=None,
            next_response_due_at=None,
            resolution_due_at=None,
            sla_due_at=None,
        )
    )
    created = sa.select(audit_events.c.entity_id).where(
        audit_events.c.entity_type == "brand", audit_events.c.action == "brand.created"
    )
    op.execute(brands.update().where(brands.c.id.not_in(created)).values(replay_only=sa.true()))


def downgrade() -> None:
    """Drop the flags; history cases become ordinary cases again (their clocks stay empty).

    SQLite (3.35+) drops the columns in place: rebuilding brands or cases, which other tables
    reference, would trip the foreign keys atdesk turns on for every connection.
    """
    with op.batch_alter_table("brands", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("replay_only")
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_cases_inbox")
        batch_op.create_index("ix_cases_inbox", INDEX_BEFORE, unique=False)
        batch_op.drop_column("live_since")
        batch_op.drop_column("history")
