"""Block lists as rows (users, keywords, patterns), moved out of brands.settings; indexes for
the review list of filtered and abuse-flagged posts (ADR 90)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import atdesk.models.base
from atdesk.models.base import JSONType, utcnow

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The settings keys the block lists lived in before, and the kind each one becomes.
SETTINGS_KINDS = {"blocked_handles": "user", "blocked_keywords": "keyword"}
MOVED_BY = "migration 0021"

_brands = sa.table("brands", sa.column("id", sa.Integer()), sa.column("settings", JSONType))
_entries = sa.table(
    "block_entries",
    sa.column("id", sa.Integer()),
    sa.column("brand_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("value", sa.String()),
    sa.column("note", sa.String()),
    sa.column("created_by", sa.String()),
    sa.column("created_at", atdesk.models.base.UTCDateTime(timezone=True)),
)


def moved_entries(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, value) rows for one brand's settings lists, normalised as the filter compared them
    (handles without @ and lower-case, keywords lower-case), each once, in list order."""
    rows: list[tuple[str, str]] = []
    for key, kind in SETTINGS_KINDS.items():
        for raw in settings.get(key) or []:
            text = str(raw).strip()
            value = text.lstrip("@").lower() if kind == "user" else text.lower()
            if value and (kind, value) not in rows:
                rows.append((kind, value))
    return rows


def upgrade() -> None:
    """The table, then each brand's lists moved into it and their settings keys removed."""
    op.create_table(
        "block_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("note", sa.String(length=300), server_default="", nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_block_entries_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_block_entries_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_entries")),
        sa.UniqueConstraint(
            "brand_id", "kind", "value", name=op.f("uq_block_entries_brand_id_kind_value")
        ),
    )
    with op.batch_alter_table("block_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_block_entries_brand_id"), ["brand_id"], unique=False)
    with op.batch_alter_table("posts", schema=None, recreate="never") as batch_op:
        batch_op.create_index(
            "ix_posts_brand_filtered", ["brand_id", "filtered_reason", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_posts_brand_abuse", ["brand_id", "abuse", "created_at"], unique=False
        )

    connection = op.get_bind()
    now = utcnow()
    for brand_id, settings in connection.execute(sa.select(_brands.c.id, _brands.c.settings)):
        settings = dict(settings or {})
        if not any(key in settings for key in SETTINGS_KINDS):
            continue
        rows = [
            {
                "brand_id": brand_id,
                "kind": kind,
                "value": value,
                "note": "moved from the brand's settings",
                "created_by": MOVED_BY,
                "created_at": now,
            }
            for kind, value in moved_entries(settings)
        ]
        if rows:
            connection.execute(sa.insert(_entries), rows)
        for key in SETTINGS_KINDS:
            settings.pop(key, None)
        connection.execute(
            sa.update(_brands).where(_brands.c.id == brand_id).values(settings=settings)
        )


def downgrade() -> None:
    """User and keyword entries go back into the settings lists; patterns have no older home
    and are dropped with the table."""
    connection = op.get_bind()
    lists: dict[int, dict[str, list[str]]] = {}
    order = (_entries.c.brand_id, _entries.c.id)
    for brand_id, kind, value in connection.execute(
        sa.select(_entries.c.brand_id, _entries.c.kind, _entries.c.value).order_by(*order)
    ):
        key = {"user": "blocked_handles", "keyword": "blocked_keywords"}.get(kind)
        if key is not None:
            lists.setdefault(brand_id, {}).setdefault(key, []).append(value)
    for brand_id, settings in connection.execute(sa.select(_brands.c.id, _brands.c.settings)):
        if brand_id in lists:
            connection.execute(
                sa.update(_brands)
                .where(_brands.c.id == brand_id)
                .values(settings={**dict(settings or {}), **lists[brand_id]})
            )
    with op.batch_alter_table("posts", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_posts_brand_abuse")
        batch_op.drop_index("ix_posts_brand_filtered")
    with op.batch_alter_table("block_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_block_entries_brand_id"))
    op.drop_table("block_entries")
