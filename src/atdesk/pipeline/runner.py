"""The pipeline for one batch: normalize -> deduplicate -> filter -> thread -> triage -> route."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from atdesk.cases.service import CaseChange, merge_conversation_cases, sync_cases
from atdesk.customers.service import attach_case_customers, link_new_authors
from atdesk.domain.listening import HeardAs
from atdesk.domain.posts import Post, RawEvent
from atdesk.domain.triage import TriageInput
from atdesk.observability.counters import Stage, tally
from atdesk.pipeline.classify import classify, triage_input
from atdesk.pipeline.dedupe import deduplicate
from atdesk.pipeline.directory import BrandDirectory
from atdesk.pipeline.filter import filter_reason
from atdesk.pipeline.listening import hear, mark_listen_only, parent_brands
from atdesk.pipeline.normalize import normalize
from atdesk.pipeline.store import Decided, apply_change, insert_posts, upsert_authors
from atdesk.pipeline.thread import nodes_of, thread
from atdesk.triage.base import Triager
from atdesk.triage.live_models import LiveModels, read_live_models
from atdesk.triage.service import triager_for
from atdesk.triage.versions import versions_of


@dataclass(slots=True)
class BatchReport:
    """What one batch did, summed by ingest into the run's report."""

    received: int = 0
    stored: int = 0
    updated: int = 0
    repeats: int = 0
    filtered: int = 0
    invalid: list[str] = field(default_factory=list)
    # Posts whose id is already stored with another text (not an edit): the stored one is kept.
    conflicts: list[str] = field(default_factory=list)
    case_changes: list[CaseChange] = field(default_factory=list)

    def add(self, other: BatchReport) -> None:
        """Accumulate another batch's counts."""
        self.received += other.received
        self.stored += other.stored
        self.updated += other.updated
        self.repeats += other.repeats
        self.filtered += other.filtered
        self.invalid.extend(other.invalid)
        self.conflicts.extend(other.conflicts)
        self.case_changes.extend(other.case_changes)


# Called with the new private inbound posts ((network, native id) keys) before the cases sync,
# so an answer to a survey is known not to reopen its case; the surveys plug in through
# atdesk.worker.wire() (the pipeline sits below them).
BeforeRoute = Callable[[Session, list[tuple[str, str]]], object]
BEFORE_ROUTE: list[BeforeRoute] = []


def add_before_route(hook: BeforeRoute) -> None:
    """Run `hook` on every batch's new private posts before cases are synced (once per hook)."""
    if hook not in BEFORE_ROUTE:
        BEFORE_ROUTE.append(hook)


@dataclass(frozen=True, slots=True)
class StoredInbound:
    """A new customer post of a brand, not noise, as the batch stored it."""

    network: str
    native_id: str
    brand_id: int
    text: str
    created_at: datetime


# Called with the batch's new customer posts to a brand that are not noise, after they are
# stored and their cases synced, inside the storing transaction: keep the work per post small
# (ADR 78). Emerging issues (insights) plug in through atdesk.worker.wire().
AfterStore = Callable[[Session, list[StoredInbound]], object]
AFTER_STORE: list[AfterStore] = []


def add_after_store(hook: AfterStore) -> None:
    """Run `hook` on every batch's new customer posts once they are stored (once per hook)."""
    if hook not in AFTER_STORE:
        AFTER_STORE.append(hook)


# Called with the cases a live batch opened or touched, after they are synced and after the
# after-store hooks (so a post already carries its issue), in the batch's transaction: insights
# links new cases to open incidents through it (filled by atdesk.worker.wire(); the pipeline
# sits below insights). History ingests do not call it.
AfterRoute = Callable[[Session, list[CaseChange]], object]
AFTER_ROUTE: list[AfterRoute] = []


def add_after_route(hook: AfterRoute) -> None:
    """Run `hook` on every live batch's case changes once its cases are synced (once per hook)."""
    if hook not in AFTER_ROUTE:
        AFTER_ROUTE.append(hook)


def conflict_message(post: Post, line: int | None) -> str:
    """The warning for a post whose id is stored with another text, naming its input line."""
    where = f"line {line}: " if line else ""
    return (
        f"{where}{post.network.value} id {post.native_id} already stored with different text;"
        " kept the stored one"
    )


def decide(
    post: Post,
    directory: BrandDirectory,
    parents: dict[tuple[str, str], int] | None = None,
) -> Decided:
    """Direction, brand, how it was heard and noise verdict for one new post.

    A customer post addressed to no brand account may still be heard by a brand's
    listening (its terms, executives or threads; `parents` are the posts replies may sit
    under, from `listening.parent_brands`).
    """
    own = directory.account_of_author(post)
    inbound = post.inbound if post.inbound is not None else own is None
    brand_account = own if not inbound else directory.addressed_account(post)
    heard_as: str | None = None
    brand_id = brand_account.brand_id if brand_account else None
    if inbound and brand_account is not None:
        heard_as = HeardAs.DIRECT.value if post.direct else HeardAs.MENTION.value
    elif inbound:
        heard = hear(post, directory, parents or {})
        if heard is not None:
            heard_as, brand_id = heard[0].value, heard[1]
            brand_account = directory.account_of_brand(post.network.value, brand_id)
    reason = filter_reason(post, brand_id, directory) if inbound else None
    return Decided(
        post=post,
        inbound=inbound,
        brand_id=brand_id,
        brand_account_id=brand_account.account_id if brand_account else None,
        filtered_reason=reason,
        heard_as=heard_as,
    )


def live_arrivals(decided: Sequence[Decided]) -> dict[int, datetime]:
    """Each conversation's earliest new customer post (unfiltered), when it arrived live."""
    out: dict[int, datetime] = {}
    for d in decided:
        if d.inbound and d.filtered_reason is None and d.conversation_id is not None:
            seen = out.get(d.conversation_id)
            if seen is None or d.post.created_at < seen:
                out[d.conversation_id] = d.post.created_at
    return out


def needs_triage(d: Decided) -> bool:
    """Only customer posts that are not noise are triaged."""
    return d.inbound and d.filtered_reason is None


def input_of(d: Decided, directory: BrandDirectory) -> TriageInput:
    """What triage sees of a decided post, with its brand's context."""
    return triage_input(
        d.post,
        directory.brand_names.get(d.brand_id) if d.brand_id else None,
        directory.aimed_at_executive(d.post),
    )


def triage_inputs(session: Session, events: Sequence[RawEvent]) -> list[TriageInput]:
    """What `process_events` will ask triage about this batch, found by reading only (ADR 78)."""
    posts: list[Post] = []
    for event in events:
        try:
            posts.append(normalize(event))
        except ValueError:
            continue
    new = deduplicate(session, posts).new
    if not new:
        return []
    directory = BrandDirectory.load(session)
    parents = parent_brands(session, new, directory) if directory.listening else {}
    decided = [decide(post, directory, parents) for post in new]
    return [input_of(d, directory) for d in decided if needs_triage(d)]


def process_events(
    session: Session,
    events: Sequence[RawEvent],
    triager: Triager | None = None,
    *,
    history: bool = False,
) -> BatchReport:
    """Run one batch of raw events through every stage inside the caller's transaction.

    `history` (a history ingest, SPEC §4) opens history cases; otherwise the posts are live
    and a customer writing into a history conversation makes it a working case (ADR 73).
    """
    report = BatchReport(received=len(events))
    posts: list[Post] = []
    lines: list[int | None] = []
    sources: dict[tuple[str, str], str] = {}
    for event in events:
        try:
            post = normalize(event)
        except ValueError as exc:
            where = f"line {event.line}: " if event.line else ""
            report.invalid.append(f"{where}{exc}")
            continue
        posts.append(post)
        lines.append(event.line)
        sources.setdefault(post.key, event.source)
    found = deduplicate(session, posts)
    report.repeats = found.repeats
    report.conflicts = [conflict_message(posts[i], lines[i]) for i in found.conflicts]
    for row, change in found.changes:
        apply_change(row, change)
    report.updated = len(found.changes)
    if not found.new:
        session.flush()
        tally(session, {Stage.RECEIVED: report.received})
        return report

    directory = BrandDirectory.load(session)
    parents = parent_brands(session, found.new, directory) if directory.listening else {}
    decided = [decide(post, directory, parents) for post in found.new]
    brand_handles = {ref.account_id: handle for (_, handle), ref in directory.by_handle.items()}
    threaded = thread(
        session,
        [(d.post, nodes_of(d.post, brand_handles.get(d.brand_account_id or -1))) for d in decided],
        on_merge=merge_conversation_cases,
    )
    for d in decided:
        d.conversation_id = threaded.conversation_of[d.post.key]

    to_triage = [d for d in decided if needs_triage(d)]
    # No triager given: each brand's live model, read in this (the caller's) transaction.
    chosen = triager or triager_for(read_live_models(session) if to_triage else LiveModels())
    inputs = [input_of(d, directory) for d in to_triage]
    results = classify(chosen, inputs)
    versions = versions_of(chosen, inputs)
    for d, result, version in zip(to_triage, results, versions, strict=True):
        d.triage, d.model_version = result, version
        if result.spam:
            d.filtered_reason = "spam"
    report.filtered = sum(1 for d in decided if d.filtered_reason)
    mark_listen_only(decided)

    account_keys = {
        (d.post.network.value, d.post.author.native_id): d.brand_account_id
        for d in decided
        if not d.inbound and d.brand_account_id
    }
    author_ids = upsert_authors(
        session, [d.post.author for d in decided], {k: v for k, v in account_keys.items() if v}
    )
    link_new_authors(session, author_ids.values())
    insert_posts(session, decided, author_ids, sources)
    report.stored = len(decided)
    # Before the cases sync, so an answer to a survey is known not to reopen its case.
    private = [d.post.key for d in decided if d.inbound and d.post.direct and not d.filtered_reason]
    for hook in BEFORE_ROUTE:
        hook(session, private)
    report.case_changes = sync_cases(
        session,
        threaded.touched,
        history=history,
        live_arrivals=None if history else live_arrivals(decided),
    )
    attach_case_customers(session, [c.case_id for c in report.case_changes])
    if AFTER_STORE:
        stored = [
            StoredInbound(
                d.post.network.value, d.post.native_id, d.brand_id, d.post.text, d.post.created_at
            )
            for d in decided
            if needs_triage(d) and not d.filtered_reason and d.brand_id and not d.post.deleted
        ]
        for after in AFTER_STORE:
            after(session, stored)
    if not history:
        for linker in AFTER_ROUTE:
            linker(session, report.case_changes)
    # Counted for /metrics when this batch commits (observability.counters).
    tally(
        session,
        {
            Stage.RECEIVED: report.received,
            Stage.STORED: report.stored,
            Stage.FILTERED: report.filtered,
            Stage.TRIAGED: len(to_triage),
            Stage.CASES_OPENED: sum(c.event == "opened" for c in report.case_changes),
        },
    )
    return report
