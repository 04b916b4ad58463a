"""The bot's numbers for the knowledge-base page and the API: answers, hand-overs, human replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.bot.actions import (
    ANSWERED,
    HANDOFF,
)
from atdesk.models import AutomationJob, BotDecision, Case, KbArticle, Post


@dataclass(frozen=True, slots=True)
class BotStats:
    """How the bot did: cases it saw, answered, and resolved with no human reply."""

    cases: int
    answered: int
    handed_off: int
    resolved_without_human: int

    @property
    def share_without_human(self) -> float:
        """Resolved without a human, as a share of the cases the bot saw."""
        return self.resolved_without_human / self.cases if self.cases else 0.0


def bot_stats(session: Session, brand_id: int | None = None) -> BotStats:
    """Count from the stored decisions, cases and posts (no estimate involved)."""
    query = select(BotDecision.case_id, BotDecision.outcome).where(BotDecision.case_id.is_not(None))
    if brand_id is not None:
        query = query.where(BotDecision.brand_id == brand_id)
    outcomes: dict[int, set[str]] = {}
    for case_id, outcome in session.execute(query):
        if case_id is not None:
            outcomes.setdefault(case_id, set()).add(outcome)
    answered = {c for c, o in outcomes.items() if ANSWERED in o}
    handed = {c for c, o in outcomes.items() if HANDOFF in o}
    resolved = 0
    for case_id in sorted(answered - handed):
        case = session.get(Case, case_id)
        if case is None or case.resolved_at is None:
            continue
        if _human_replies(session, case) == 0:
            resolved += 1
    return BotStats(len(outcomes), len(answered), len(handed), resolved)


def _human_replies(session: Session, case: Case) -> int:
    """Outbound posts in the case that the automation did not send."""
    sent_by_automation = {
        int(job.result["post_id"])
        for job in session.scalars(
            select(AutomationJob).where(
                AutomationJob.case_id == case.id, AutomationJob.kind == "message.send"
            )
        )
        if job.result.get("post_id") is not None
    }
    outbound = session.scalars(
        select(Post.id).where(Post.case_id == case.id, Post.inbound.is_(False))
    ).all()
    return sum(1 for post_id in outbound if post_id not in sent_by_automation)


def brand_articles(session: Session, brand_id: int) -> Sequence[KbArticle]:
    """A brand's knowledge-base articles by title."""
    return session.scalars(
        select(KbArticle).where(KbArticle.brand_id == brand_id).order_by(KbArticle.title)
    ).all()
