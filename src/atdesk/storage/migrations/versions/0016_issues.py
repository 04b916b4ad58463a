"""Emerging issues (insights): groups of similar inbound posts per brand, and each post's issue

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import atdesk.models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """A new table and a nullable column: stored posts belong to no issue until a rebuild.

    SQLite cannot add a named table-level foreign key, and rebuilding `posts` (the batch way)
    would fire the ON DELETE actions of the tables that reference it, under the foreign keys
    atdesk turns on, and drop the full-text triggers: add the column, then write the constraint
    into the stored table definition (`_sqlite_set_fk`), which is valid because every row's new
    column is NULL.
    """
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("terms", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("first_seen", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("post_count", sa.Integer(), nullable=False),
        sa.Column("centroid", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_issues_brand_id_brands"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issues")),
    )
    op.create_index(
        "ix_issues_brand_status_last", "issues", ["brand_id", "status", "last_seen"], unique=False
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE posts ADD COLUMN issue_id INTEGER")
        _sqlite_set_fk(add=True)
    else:
        op.add_column("posts", sa.Column("issue_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_posts_issue_id_issues"),
            "posts",
            "issues",
            ["issue_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(op.f("ix_posts_issue_id"), "posts", ["issue_id"], unique=False)


def downgrade() -> None:
    """Drop the column and the table; SQLite (3.35+) drops the column in place."""
    op.drop_index(op.f("ix_posts_issue_id"), table_name="posts")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_set_fk(add=False)
        op.execute("ALTER TABLE posts DROP COLUMN issue_id")
    else:
        op.drop_constraint(op.f("fk_posts_issue_id_issues"), "posts", type_="foreignkey")
        op.drop_column("posts", "issue_id")
    op.drop_index("ix_issues_brand_status_last", table_name="issues")
    op.drop_table("issues")


SQLITE_FK = (
    ", CONSTRAINT fk_posts_issue_id_issues FOREIGN KEY(issue_id)"
    " REFERENCES issues (id) ON DELETE SET NULL"
)


def _sqlite_set_fk(*, add: bool) -> None:
    """Add or remove posts' issue foreign key in SQLite's stored schema (the documented
    writable_schema procedure, https://sqlite.org/lang_altertable.html#otheralter), bumping
    the schema version so every connection rereads it."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'posts'"
    ).scalar_one()
    body = sql.rstrip()
    if add:
        if SQLITE_FK in body:
            return
        if not body.endswith(")"):
            raise RuntimeError("unexpected CREATE TABLE posts statement")
        new_sql = body[:-1] + SQLITE_FK + ")"
    else:
        if SQLITE_FK not in body:
            return
        new_sql = body.replace(SQLITE_FK, "")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'posts'", (new_sql,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
