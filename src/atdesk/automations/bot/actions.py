"""The bot: answers questions from the knowledge base when it is sure, else hands to a person.

It never answers an angry customer or one who asks for a person, and it never guesses below
the brand's confidence threshold. Every decision is stored with its reason, so the share of
cases the bot resolved without a human can be measured honestly."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.bot.knowledge import INDEXES, Match
from atdesk.automations.engine.actions import action
from atdesk.automations.engine.context import ActionContext, Outcome
from atdesk.automations.engine.hooks import reply_handler, warmup
from atdesk.automations.engine.inputs import Input
from atdesk.automations.engine.rules import BotAnswerAction
from atdesk.automations.outbound.handoff import hand_over
from atdesk.automations.outbound.service import queue_message
from atdesk.models import BotDecision, Post
from atdesk.triage.tokens import readable

ANSWERED = "answered"


HANDOFF = "handoff"


PERSON_HINT = " Reply 'agent' to talk to a person."


_ASKS_FOR_PERSON = re.compile(
    r"\b(?:agent|human|real person|a person|representative|someone real|"
    r"speak (?:to|with) (?:someone|somebody|a manager|support)|"
    r"talk (?:to|with) (?:someone|somebody)|"
    r"manager|operator)\b",
    re.IGNORECASE,
)


def asks_for_person(text: str) -> bool:
    """Whether the customer asks for a human ("agent", "a real person", "talk to someone")."""
    return bool(_ASKS_FOR_PERSON.search(text))


@dataclass(frozen=True, slots=True)
class Decision:
    """What the bot would do for a post, before anything is sent (also for the dry run)."""

    answer: bool
    reason: str
    confidence: float = 0.0
    article_id: int | None = None
    article_title: str = ""
    text: str = ""


def decide(ctx: ActionContext, threshold: float) -> Decision:
    """Answer only a calm question the knowledge base covers above the threshold."""
    text = readable(ctx.post.text)  # what triage read; the rest of a 10 MB post adds nothing
    if asks_for_person(text):
        return Decision(False, "the customer asked for a person")
    if ctx.post.sentiment == "negative":
        return Decision(False, "negative sentiment: a person should answer")
    index = INDEXES.for_brand(ctx.session, ctx.brand.id, build=not ctx.prepared)
    match = index.best(text)
    if match is None:
        return Decision(False, "the knowledge base has nothing on this")
    if match.score < threshold:
        return Decision(
            False,
            f"not sure enough: best article {match.article.title!r} at {match.score:.2f} "
            f"< {threshold:.2f}{_why(match)}",
            match.score,
            match.article.id,
            match.article.title,
        )
    return Decision(
        True,
        f"article {match.article.title!r} at {match.score:.2f}{_why(match)}",
        match.score,
        match.article.id,
        match.article.title,
        match.article.body,
    )


def _why(match: Match) -> str:
    """The similarities behind a confidence, so a person can see why the bot was (un)sure."""
    return f" (words {match.words:.2f}, meaning {match.meaning:.2f})"


def describe_bot(ctx: ActionContext, action: BotAnswerAction) -> str:
    """The article the bot would answer from, or why it would hand over."""
    decision = decide(ctx, action.threshold or ctx.config.bot_threshold)
    if decision.answer:
        return f"answer as the bot from {decision.reason}"
    return f"hand to a person: {decision.reason}"


@action(
    "bot_answer",
    BotAnswerAction,
    describe=describe_bot,
    label="Bot answer",
    inputs=(
        Input(
            "threshold",
            "Confidence threshold (0–1)",
            "number",
            help="the least chance of being right to answer; empty: the brand's",
        ),
    ),
)
def answer(ctx: ActionContext, action: BotAnswerAction) -> Outcome:
    """Answer from the knowledge base at the rule's threshold, else the brand's."""
    return bot_answer(ctx, action.threshold or ctx.config.bot_threshold)


def bot_answer(ctx: ActionContext, threshold: float) -> Outcome:
    """Send the answer marked as automated, or hand the case over with the reason."""
    name = "bot_answer"
    if ctx.session.scalar(select(BotDecision.id).where(BotDecision.post_id == ctx.post.id)):
        return Outcome(name, "skipped", "the bot already decided on this post")
    decision = decide(ctx, threshold)
    _record(ctx, decision)
    if not decision.answer:
        hand_over(ctx.session, ctx.case, f"bot: {decision.reason}", actor="bot")
        return Outcome(name, "handed_off", decision.reason, {"confidence": decision.confidence})
    queued = queue_message(
        ctx,
        decision.text,
        private=ctx.post.direct,
        purpose="bot-answer",
        bot=True,
        keep_tail=PERSON_HINT,
    )
    if queued.job is None:
        return Outcome(name, "skipped", queued.skipped, {"confidence": decision.confidence})
    return Outcome(
        name, "queued", decision.reason, {"confidence": decision.confidence, "job": queued.job.id}
    )


def _record(ctx: ActionContext, decision: Decision, *, outcome: str | None = None) -> None:
    ctx.session.add(
        BotDecision(
            brand_id=ctx.brand.id,
            case_id=ctx.case.id,
            post_id=ctx.post.id,
            article_id=decision.article_id,
            confidence=decision.confidence,
            outcome=outcome or (ANSWERED if decision.answer else HANDOFF),
            reason=decision.reason[:300],
        )
    )
    ctx.session.flush()


def posts_after_bot_answers(session: Session, posts: Sequence[Post]) -> set[int]:
    """The batch's posts asking for a person on a case the bot answered: follow_up's match."""
    asking = [post for post in posts if post.case_id is not None and asks_for_person(post.text)]
    if not asking:
        return set()
    answered = set(
        session.scalars(
            select(BotDecision.case_id).where(
                BotDecision.case_id.in_({post.case_id for post in asking}),
                BotDecision.outcome == ANSWERED,
            )
        )
    )
    return {post.id for post in asking if post.case_id in answered}


@reply_handler("bot-follow-up", order=20, screen=posts_after_bot_answers, watch=(BotDecision,))
def follow_up(ctx: ActionContext) -> Outcome | None:
    """A customer the bot answered writes again asking for a person: hand over, with why."""
    answered = ctx.session.scalar(
        select(BotDecision.id).where(
            BotDecision.case_id == ctx.case.id, BotDecision.outcome == ANSWERED
        )
    )
    if answered is None or not asks_for_person(ctx.post.text):
        return None
    if ctx.session.scalar(select(BotDecision.id).where(BotDecision.post_id == ctx.post.id)):
        return None
    _record(ctx, Decision(False, "the customer asked for a person after the bot's answer"))
    hand_over(ctx.session, ctx.case, "bot: the customer asked for a person", actor="bot")
    return Outcome("bot_follow_up", "handed_off", "the customer asked for a person")


@warmup
def index_brands(session: Session, brand_ids: Sequence[int]) -> Callable[[], None]:
    """Read the brands' articles in the batch's read transaction; build their indexes (word
    vectors for every phrasing) after it closes, so the write transaction only looks up."""
    snapshots = [INDEXES.snapshot(session, brand_id) for brand_id in brand_ids]

    def build() -> None:
        for snapshot in snapshots:
            INDEXES.build(snapshot)

    return build
