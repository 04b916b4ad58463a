"""case_facts without the foreign key to cases: a merged-away case's facts row stays until the
next refresh takes its values out of the rollups and drops it (ADR 107)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_case_facts_case_id_cases"


def upgrade() -> None:
    """Drop the cascade (on SQLite the table is copied once, with its indexes)."""
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")


def downgrade() -> None:
    """The cascade back, after dropping the facts of cases that no longer exist."""
    op.execute("DELETE FROM case_facts WHERE case_id NOT IN (SELECT id FROM cases)")
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.create_foreign_key(FOREIGN_KEY, "cases", ["case_id"], ["id"], ondelete="CASCADE")
