"""The dry run: which of the last N posts would this rule have matched, and what would it do.

Nothing is written and nothing is sent: each action is described from the same reads the real
action makes (the customer record, the window, the slots, the knowledge base, the city
settings), so what the admin sees before saving is what the rule will do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.engine.actions import describe_action
from atdesk.automations.engine.conditions import CONFIDENCE, evaluate
from atdesk.automations.engine.context import ActionContext, facts_of
from atdesk.automations.engine.evaluation import held_reason
from atdesk.automations.engine.rules import (
    RuleSpec,
)
from atdesk.automations.engine.settings import brand_config
from atdesk.config import Settings
from atdesk.models import Brand, Case, Post, RuleRun

DEFAULT_LIMIT = 50


@dataclass(slots=True)
class DryRunRow:
    """One recent post: did the rule match, why not, or what it would have done."""

    post_id: int
    case_id: int | None
    created_at: datetime
    author: str
    text: str
    intent: str | None
    intent_confidence: float | None
    matched: bool
    failed: str | None = None
    would: list[str] = field(default_factory=list)
    already_acted: bool = False


def dry_run(
    session: Session,
    settings: Settings,
    brand: Brand,
    spec: RuleSpec,
    *,
    now: datetime,
    limit: int = DEFAULT_LIMIT,
    rule_id: int | None = None,
) -> list[DryRunRow]:
    """The brand's last `limit` customer posts against `spec`, newest first."""
    config = brand_config(session, brand, settings)
    posts = session.scalars(
        select(Post)
        .where(Post.brand_id == brand.id, Post.inbound.is_(True), Post.filtered_reason.is_(None))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
    ).all()
    acted: set[int] = set()
    if rule_id is not None:
        acted = set(session.scalars(select(RuleRun.post_id).where(RuleRun.rule_id == rule_id)))
    rows = []
    for post in posts:
        facts = facts_of(post, post.author, config)
        verdict = evaluate(spec.when, facts, min_confidence=spec.confidence_floor)
        row = DryRunRow(
            post_id=post.id,
            case_id=post.case_id,
            created_at=post.created_at,
            author=post.author.handle,
            text=post.text,
            intent=post.intent,
            intent_confidence=post.intent_confidence,
            matched=verdict.matched,
            failed=verdict.failed,
            already_acted=post.id in acted,
        )
        case = session.get(Case, post.case_id) if post.case_id else None
        if verdict.matched and case is not None:
            ctx = ActionContext(
                session=session,
                settings=settings,
                brand=brand,
                config=config,
                post=post,
                case=case,
                author=post.author,
                now=now,
                rule_id=rule_id,
                rule_name=spec.name,
            )
            row.would = [describe_action(ctx, action) for action in spec.then]
        elif verdict.failed == CONFIDENCE:
            row.would = [f"leave it to an agent: {held_reason(spec, facts)}"]
        rows.append(row)
    return rows
