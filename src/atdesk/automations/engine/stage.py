"""The automate stage: case events from the pipeline, rules over each new customer post.

The inbound handler runs the pipeline and, in the same transaction, publishes one case event
per touched case with the ids of its new customer posts (an outbox: a rolled-back batch
publishes nothing). The case-events handler looks at each post once (`automated_posts`),
answers an open slot offer if the post is the customer's pick, and otherwise runs the brand's
rules; each rule acts on a post at most once (`rule_runs` is unique on rule and post).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import event as orm_events
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.automations.engine.actions import run_action
from atdesk.automations.engine.context import ActionContext, Outcome, facts_of
from atdesk.automations.engine.evaluation import LoadedRule, evaluate_rules, held_reason
from atdesk.automations.engine.hooks import REPLY_HANDLERS, WARMUPS, NotPrepared
from atdesk.automations.engine.queries import loaded_rules, spec_of
from atdesk.automations.engine.service import install_defaults
from atdesk.automations.engine.settings import BrandConfig, brand_config
from atdesk.config import Settings
from atdesk.domain.posts import RawEvent
from atdesk.models import (
    AutomatedPost,
    AutomationRule,
    Brand,
    Case,
    Post,
    RuleRun,
    SurveyResponse,
)
from atdesk.models.base import utcnow
from atdesk.observability.counters import Stage, tally
from atdesk.pipeline.bus import CASE_EVENTS, Bus, Handler, Stale
from atdesk.pipeline.normalize import normalize
from atdesk.pipeline.prepare import PipelineHandler
from atdesk.pipeline.runner import BatchReport
from atdesk.storage.session import transaction
from atdesk.triage.base import Triager

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_POST_AGE = timedelta(days=3)
HELD = "held-for-agent"  # handled_by when rules would act but triage is not sure of the intent


@dataclass(slots=True)
class PostRun:
    """What the stage did with one post (for tests, the dry run and logs)."""

    post_id: int
    handled_by: str
    outcomes: list[Outcome] = field(default_factory=list)


def case_events(
    session: Session, events: Sequence[RawEvent], report: BatchReport
) -> list[dict[str, Any]]:
    """One event per case touched by the batch, naming its new, unfiltered customer posts."""
    keys: set[tuple[str, str]] = set()
    for event in events:
        try:
            keys.add(normalize(event).key)
        except ValueError:
            continue
    by_case: dict[int, list[int]] = defaultdict(list)
    for network, native_ids in _group(keys).items():
        for chunk in _chunks(sorted(native_ids)):
            rows = session.execute(
                select(Post.id, Post.case_id).where(
                    Post.network == network,
                    Post.native_id.in_(chunk),
                    Post.inbound.is_(True),
                    Post.filtered_reason.is_(None),
                    Post.case_id.is_not(None),
                )
            )
            for post_id, case_id in rows:
                if case_id is not None:
                    by_case[case_id].append(post_id)
    changes = {c.case_id: c.event for c in report.case_changes}
    return [
        {"case_id": case_id, "event": changes.get(case_id, "updated"), "post_ids": sorted(ids)}
        for case_id, ids in sorted(by_case.items())
    ]


def _group(keys: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for network, native_id in keys:
        out[network].add(native_id)
    return out


def _chunks(items: Sequence[T], size: int = 500) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def inbound_handler(bus: Bus, triager: Triager | None = None) -> Handler:
    """The pipeline for a batch of raw events, then its case events on the bus (same commit)."""

    def publish(session: Session, events: list[RawEvent], report: BatchReport) -> None:
        if report.invalid:
            log.warning("dropped %d events that could not be normalised", len(report.invalid))
        bus.publish(session, CASE_EVENTS, case_events(session, events, report))

    # Staged: triage runs before the bus's write transaction (ADR 78).
    return PipelineHandler(triager, after=publish)


def case_events_handler(settings: Settings) -> Handler:
    """The bus handler for case events: the automate stage, staged (ADR 78)."""
    return CaseEventsHandler(settings)


@dataclass(frozen=True, slots=True)
class CaseEventsHandler:
    """The automate stage on the bus: `prepare` builds the brands' knowledge indexes (word
    vectors for every article phrasing) with no transaction open; the rules then run in the
    bus's write transaction, which only looks the indexes up."""

    settings: Settings
    clock: Callable[[], datetime] = utcnow  # read once per batch, at this boundary

    def prepare(self, database_url: str, payloads: list[dict[str, Any]]) -> Handler:
        """Read the batch's brands and their articles, then index them outside any transaction."""
        with transaction(database_url) as session:
            brand_ids = _brands_of(session, _post_ids(payloads))
            builds = [prepare_batch(session, brand_ids) for prepare_batch in WARMUPS]
        for build in builds:
            build()
        return lambda session, claimed: self._store(session, claimed, prepared=True)

    def __call__(self, session: Session, payloads: list[dict[str, Any]]) -> None:
        """Everything in the caller's transaction (direct use)."""
        self._store(session, payloads, prepared=False)

    def _store(self, session: Session, payloads: list[dict[str, Any]], *, prepared: bool) -> None:
        try:
            automate_posts(
                session,
                _post_ids(payloads),
                settings=self.settings,
                now=self.clock(),
                prepared=prepared,
            )
        except NotPrepared as exc:  # e.g. articles edited since `prepare`: roll back, again
            raise Stale(str(exc)) from None


def _post_ids(payloads: Sequence[dict[str, Any]]) -> list[int]:
    return sorted({int(p) for payload in payloads for p in payload.get("post_ids", [])})


def _brands_of(session: Session, post_ids: Sequence[int]) -> list[int]:
    """The brands whose cases these posts are on."""
    brands: set[int] = set()
    for chunk in _chunks(post_ids):
        brands.update(
            session.scalars(
                select(Case.brand_id)
                .join(Post, Post.case_id == Case.id)
                .where(Post.id.in_(chunk))
                .distinct()
            )
        )
    return sorted(brands)


class _Brands:
    """Brands, their settings and rules, loaded once per batch."""

    def __init__(self, session: Session, settings: Settings, *, prepared: bool) -> None:
        self.session = session
        self.settings = settings
        self.prepared = prepared  # knowledge indexes built before the transaction
        self._config: dict[int, BrandConfig] = {}
        self._rules: dict[int, list[LoadedRule]] = {}

    def config(self, brand: Brand) -> BrandConfig:
        if brand.id not in self._config:
            self._config[brand.id] = brand_config(self.session, brand, self.settings)
        return self._config[brand.id]

    def rules(self, brand: Brand) -> list[LoadedRule]:
        if brand.id not in self._rules:
            install_defaults(self.session, brand)
            self._rules[brand.id] = loaded_rules(self.session, brand.id)
        return self._rules[brand.id]


def automate_posts(
    session: Session,
    post_ids: Sequence[int],
    *,
    settings: Settings,
    now: datetime,
    prepared: bool = False,
) -> list[PostRun]:
    """Run the stage for these posts, oldest first; a post already seen is left alone.
    `prepared`: the brands' knowledge indexes are built (NotBuilt rather than build here).

    What every post needs is read for the whole batch first (cases, brands, survey answers,
    earlier rule runs), and the audit trail is written in one insert at the end (ADR 98)."""
    if not post_ids:
        return []
    seen = set(
        session.scalars(select(AutomatedPost.post_id).where(AutomatedPost.post_id.in_(post_ids)))
    )
    posts = session.scalars(
        select(Post)
        .where(Post.id.in_([p for p in post_ids if p not in seen]))
        .order_by(Post.created_at, Post.id)
    ).all()
    brands = _Brands(session, settings, prepared=prepared)
    batch = _Batch.read(session, posts)
    runs = []
    with audit.batched(session), batch.screens:
        for post in posts:
            runs.append(_automate(session, post, brands, batch, now))
        session.flush()
    tally(session, {Stage.AUTOMATED: len(runs)})
    return runs


@dataclass(slots=True)
class _Batch:
    """What the stage looks up for every post, read once per batch: the cases and brands are
    then in the session's identity map (`session.get` reads no row), and the sets answer
    "is this post a survey answer" and "has this rule run on this post"."""

    survey_answers: set[int]
    rule_runs: set[tuple[int, int]]
    rows: list[Case | Brand]  # held: the identity map keeps only rows someone refers to
    screens: _Screens

    @classmethod
    def read(cls, session: Session, posts: Sequence[Post]) -> _Batch:
        ids = [post.id for post in posts]
        case_ids = sorted({post.case_id for post in posts if post.case_id is not None})
        answers: set[int] = set()
        runs: set[tuple[int, int]] = set()
        rows: list[Case | Brand] = []
        for chunk in _chunks(case_ids):
            rows.extend(session.scalars(select(Case).where(Case.id.in_(chunk))))
        brand_ids = sorted({row.brand_id for row in rows if isinstance(row, Case)})
        for chunk in _chunks(brand_ids):
            rows.extend(session.scalars(select(Brand).where(Brand.id.in_(chunk))))
        for chunk in _chunks(ids):
            quiet = SurveyResponse.comment_post_id.in_(chunk) & SurveyResponse.comment_quiet
            for post_id, comment_post_id, comment_quiet in session.execute(
                select(
                    SurveyResponse.post_id,
                    SurveyResponse.comment_post_id,
                    SurveyResponse.comment_quiet,
                ).where(or_(SurveyResponse.post_id.in_(chunk), quiet))
            ):
                answers.add(post_id)
                if comment_post_id is not None and comment_quiet:
                    answers.add(comment_post_id)
            runs.update(
                (rule_id, post_id)
                for rule_id, post_id in session.execute(
                    select(RuleRun.rule_id, RuleRun.post_id).where(RuleRun.post_id.in_(chunk))
                )
            )
        return cls(answers, runs, rows, _Screens(session, posts))


class _Screens:
    """Which of the batch's posts each reply handler might own, read once for the batch
    (ADR 104). A flush that adds or changes a row of a class the handler watches (an offer
    made, a customer linked) drops its answer, and the next post reads it again."""

    def __init__(self, session: Session, posts: Sequence[Post]) -> None:
        self._session, self._posts = session, posts
        self._owned: dict[int, set[int]] = {}

    def may_own(self, index: int, post: Post) -> bool:
        """False only when the handler's screen rules the post out."""
        screen = REPLY_HANDLERS[index].screen
        if screen is None:
            return True
        if index not in self._owned:
            self._owned[index] = screen(self._session, self._posts)
        return post.id in self._owned[index]

    def _flushed(self, session: Session, _context: object) -> None:
        changed = {type(row) for row in (*session.new, *session.dirty, *session.deleted)}
        for index in list(self._owned):
            watch = REPLY_HANDLERS[index].watch
            if any(issubclass(kind, watch) for kind in changed):
                del self._owned[index]

    def __enter__(self) -> _Screens:
        orm_events.listen(self._session, "after_flush", self._flushed)
        return self

    def __exit__(self, *_: object) -> None:
        orm_events.remove(self._session, "after_flush", self._flushed)


def _automate(
    session: Session, post: Post, brands: _Brands, batch: _Batch, now: datetime
) -> PostRun:
    mark = AutomatedPost(
        post_id=post.id, case_id=post.case_id, handled_by="rules", processed_at=now
    )
    session.add(mark)
    case = session.get(Case, post.case_id) if post.case_id else None
    brand = session.get(Brand, case.brand_id) if case else None
    if not post.inbound or post.filtered_reason or case is None or brand is None:
        mark.handled_by = "not-automated"
        return PostRun(post.id, mark.handled_by)
    if post.id in batch.survey_answers:
        # A score for a resolved case, or the words after a low one (ADR 93): no rule acts.
        mark.handled_by = "survey-answer"
        return PostRun(post.id, mark.handled_by)
    if now - post.created_at > MAX_POST_AGE:
        # Replays and back-fills: answering a customer days later would do more harm than good.
        mark.handled_by = "too-old"
        return PostRun(post.id, mark.handled_by)
    ctx = ActionContext(
        session=session,
        settings=brands.settings,
        brand=brand,
        config=brands.config(brand),
        post=post,
        case=case,
        author=post.author,
        now=now,
        prepared=brands.prepared,
    )
    for index, reply in enumerate(REPLY_HANDLERS):  # an answer to an open offer, the bot, ...
        if not batch.screens.may_own(index, post):
            continue
        handled = reply.handle(ctx)
        if handled is not None:
            mark.handled_by = reply.handled_by
            return PostRun(post.id, mark.handled_by, [handled])
    run = PostRun(post.id, "rules")
    facts = facts_of(post, post.author, ctx.config)
    evaluations = evaluate_rules(brands.rules(brand), facts)
    for evaluation in evaluations:
        if evaluation.fired:
            run.outcomes.extend(_apply_rule(ctx, evaluation.rule, batch.rule_runs))
        elif evaluation.held:
            run.outcomes.append(
                _hold(ctx, evaluation.rule, held_reason(evaluation.rule.spec, facts))
            )
    if any(e.held for e in evaluations) and not any(e.fired for e in evaluations):
        run.handled_by = mark.handled_by = HELD  # no automation acted: the case is a person's
    return run


def _hold(ctx: ActionContext, rule: LoadedRule, reason: str) -> Outcome:
    """Say on the case why the rule did not act (the post itself is marked seen, so once)."""
    audit.record(
        ctx.session,
        entity_type="case",
        entity_id=ctx.case.id,
        action="automation.held",
        actor=f"automation:{rule.spec.name}"[:80],
        after={"reason": reason, "post_id": ctx.post.id},
    )
    return Outcome("rule", "held", reason, {"rule_id": rule.id})


def _apply_rule(ctx: ActionContext, rule: LoadedRule, ran: set[tuple[int, int]]) -> list[Outcome]:
    """The rule's actions for this post, once: the run row is written before any action
    (`ran`: the (rule, post) pairs that have a run row, read with the batch)."""
    session = ctx.session
    if (rule.id, ctx.post.id) in ran:
        return []
    ran.add((rule.id, ctx.post.id))
    run = RuleRun(rule_id=rule.id, post_id=ctx.post.id, case_id=ctx.case.id, outcomes=[])
    session.add(run)
    session.flush()
    ctx.rule_id, ctx.rule_name = rule.id, rule.spec.name
    outcomes = [run_action(ctx, action) for action in rule.spec.then]
    run.outcomes = [o.to_json() for o in outcomes]
    session.flush()
    return outcomes


def rerun_waiting(
    session: Session,
    run: RuleRun,
    action_type: str,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> int:
    """Run again an action that waited (for the customer's identity), at `now` (the clock
    unless given); returns 1 if it ran."""
    rule = session.get(AutomationRule, run.rule_id)
    post = session.get(Post, run.post_id)
    case = session.get(Case, run.case_id) if run.case_id else None
    brand = session.get(Brand, case.brand_id) if case else None
    if rule is None or post is None or case is None or brand is None:
        return 0
    spec = spec_of(rule)
    action = next((a for a in spec.then if a.type == action_type), None)
    if action is None:
        return 0
    ctx = ActionContext(
        session=session,
        settings=settings,
        brand=brand,
        config=brand_config(session, brand, settings),
        post=post,
        case=case,
        author=post.author,
        now=now or utcnow(),
        rule_id=rule.id,
        rule_name=spec.name,
    )
    outcome = run_action(ctx, action)
    run.outcomes = [
        outcome.to_json() if o.get("action") == action_type and o.get("status") == "waiting" else o
        for o in run.outcomes
    ]
    session.flush()
    return 1
