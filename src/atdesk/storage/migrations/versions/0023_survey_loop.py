"""Surveys close the loop (ADR 93): the follow-up question, the customer's comment and the
case the loop reopened or opened, on survey_responses; brands' survey settings move from one
`kind` to CSAT and NPS flags.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import atdesk.models.base
from atdesk.models.base import JSONType

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_brands = sa.table("brands", sa.column("id", sa.Integer()), sa.column("settings", JSONType))
# Keys the older settings parser refuses: dropped again on downgrade.
NEW_KEYS = (
    "csat",
    "nps",
    "nps_every_days",
    "follow_up",
    "close_loop",
    "reopen_days",
    "follow_up_text",
)


def upgraded(surveys: dict[str, Any]) -> dict[str, Any]:
    """One brand's survey settings in the new shape: `kind` becomes the two flags; an NPS-only
    brand keeps asking as often as before (its every_days becomes nps_every_days)."""
    if "kind" not in surveys:
        return surveys  # already the new shape (the defaults ask CSAT)
    out = dict(surveys)
    kind = str(out.pop("kind")).lower()
    out.setdefault("csat", kind != "nps")
    out.setdefault("nps", kind == "nps")
    if kind == "nps":
        out.setdefault("nps_every_days", int(out.get("every_days", 7)))
    return out


def downgraded(surveys: dict[str, Any]) -> dict[str, Any]:
    """The older shape: one kind (NPS when the brand asked only NPS), new keys dropped."""
    if not any(key in surveys for key in NEW_KEYS):
        return surveys
    out = {k: v for k, v in surveys.items() if k not in NEW_KEYS}
    out["kind"] = "nps" if surveys.get("nps") and not surveys.get("csat", True) else "csat"
    return out


def _rewrite(change: Any) -> None:
    connection = op.get_bind()
    for brand_id, settings in connection.execute(sa.select(_brands.c.id, _brands.c.settings)):
        surveys = (settings or {}).get("surveys")
        if not isinstance(surveys, dict) or change(surveys) == surveys:
            continue
        connection.execute(
            sa.update(_brands)
            .where(_brands.c.id == brand_id)
            .values(settings={**settings, "surveys": change(surveys)})
        )


def upgrade() -> None:
    """The new columns, then each brand's stored survey settings in the new shape."""
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("question_post_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "question_sent_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("comment_post_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("comment_quiet", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("commented_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("loop_action", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("loop_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("loop_at", atdesk.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("follow_up_case_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_survey_responses_follow_up_case_id"), ["follow_up_case_id"]
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_survey_responses_comment_post_id"), ["comment_post_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_responses_question_post_id_posts"),
            "posts",
            ["question_post_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_responses_comment_post_id_posts"),
            "posts",
            ["comment_post_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_responses_follow_up_case_id_cases"),
            "cases",
            ["follow_up_case_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _rewrite(upgraded)


def downgrade() -> None:
    """Settings back to one kind, then the columns dropped."""
    _rewrite(downgraded)
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_survey_responses_follow_up_case_id_cases"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_survey_responses_comment_post_id_posts"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_survey_responses_question_post_id_posts"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_survey_responses_comment_post_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_survey_responses_follow_up_case_id"))
        for name in (
            "follow_up_case_id",
            "loop_at",
            "loop_reason",
            "loop_action",
            "commented_at",
            "comment_quiet",
            "comment_post_id",
            "question_sent_at",
            "question_post_id",
            "question_status",
        ):
            batch_op.drop_column(name)
