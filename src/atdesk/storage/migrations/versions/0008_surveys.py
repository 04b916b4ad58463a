"""Surveys: CSAT and NPS after resolution, their answers, and the sweep's place in the audit trail.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import atdesk.models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Survey tables; the sweep starts at the newest audit event, so no past case is surveyed."""
    op.create_table(
        "survey_cursors",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_audit_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_survey_cursors")),
    )
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("resolved_by", sa.String(length=32), nullable=True),
        sa.Column("resolution_event_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("prompt_post_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["authors.id"], name=op.f("fk_surveys_author_id_authors")
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_surveys_brand_id_brands"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_surveys_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_surveys_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["automation_jobs.id"],
            name=op.f("fk_surveys_job_id_automation_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["prompt_post_id"],
            ["posts.id"],
            name=op.f("fk_surveys_prompt_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("case_id", name=op.f("uq_surveys_case_id")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index("ix_surveys_author_status", ["author_id", "status"], unique=False)
        batch_op.create_index("ix_surveys_brand_sent", ["brand_id", "sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_surveys_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["authors.id"], name=op.f("fk_survey_responses_author_id_authors")
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_survey_responses_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_survey_responses_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_survey_responses_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_survey_responses_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_responses_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("post_id", name=op.f("uq_survey_responses_post_id")),
        sa.UniqueConstraint("survey_id", name=op.f("uq_survey_responses_survey_id")),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_responses_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            "ix_survey_responses_brand_answered", ["brand_id", "answered_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_responses_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_survey_responses_customer_id"), ["customer_id"], unique=False
        )
    op.execute(
        "INSERT INTO survey_cursors (name, last_audit_id, updated_at) "
        "SELECT 'resolved', COALESCE(MAX(id), 0), CURRENT_TIMESTAMP FROM audit_events"
    )


def downgrade() -> None:
    """Drop the survey tables."""
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_customer_id"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_case_id"))
        batch_op.drop_index("ix_survey_responses_brand_answered")
        batch_op.drop_index(batch_op.f("ix_survey_responses_author_id"))

    op.drop_table("survey_responses")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_customer_id"))
        batch_op.drop_index("ix_surveys_brand_sent")
        batch_op.drop_index("ix_surveys_author_status")

    op.drop_table("surveys")
    op.drop_table("survey_cursors")
