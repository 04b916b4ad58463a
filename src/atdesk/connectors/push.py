"""Live push (SPEC §4, §7): posts from a file or the events API arrive now, as a connector's do.

A pushed post goes on the inbound bus exactly as a network connector's post does, so the
workers store it as live (history=False: a working case), run the automations on it and send
what they decide through the outbox. The one thing a push changes is the post's time: it is
written as arriving at the moment atdesk takes it (ADR 96), so its SLA clocks start then and
the automations do not take it for an old post.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from atdesk.accounts.access import may_see_brand
from atdesk.brands.service import ensure_brand_accounts
from atdesk.channels.replay import jsonl
from atdesk.channels.replay.errors import RowError
from atdesk.channels.replay.reader import read_replay
from atdesk.connectors.push_body import Item
from atdesk.domain.networks import Network
from atdesk.domain.posts import Post, RawEvent
from atdesk.models import AutomatedPost, RuleRun
from atdesk.models import Post as PostRow
from atdesk.pipeline.bus import INBOUND, Bus
from atdesk.pipeline.dedupe import SQL_CHUNK
from atdesk.pipeline.directory import BrandDirectory
from atdesk.pipeline.normalize import normalize
from atdesk.pipeline.runner import decide
from atdesk.storage.session import transaction

Key = tuple[str, str]  # (network, native id): the pipeline's idempotency key

PUBLISH_BATCH = 1000
# Posts written at one arrival moment are spaced this far apart, in input order, so the
# pipeline and the case timeline see them in the order they were given.
SPACING = timedelta(microseconds=1)
POLL_S = 0.2


class LiveTimeout(RuntimeError):
    """The workers did not handle every published post in time: say how many and what to check."""


def arriving(post: Post, at: datetime) -> RawEvent:
    """The post as a JSON Lines event written at `at` (ADR 96): the source the pipeline reads for
    every network, whatever file format the post came in."""
    author = {
        "id": post.author.native_id,
        "handle": post.author.handle,
        "name": post.author.name,
        "followers": post.author.followers,
        "verified": post.author.verified,
    }
    payload: dict[str, Any] = {
        "network": post.network.value,
        "id": post.native_id,
        "text": post.text,
        "created_at": at.isoformat(),
        "author": author,
        "direct": post.direct,
    }
    optional: dict[str, Any] = {
        "in_reply_to": post.in_reply_to,
        "to": post.to_handle,
        "coordinates": list(post.coordinates) if post.coordinates else None,
        "media": list(post.media) or None,
        "inbound": post.inbound,
        "lang": post.lang,
        "reply_ids": list(post.reply_ids) or None,
    }
    payload.update({k: v for k, v in optional.items() if v is not None})
    return RawEvent(source=jsonl.SOURCE, payload=payload)


def arriving_batch(posts: Sequence[Post], at: datetime) -> list[RawEvent]:
    """A batch arriving at one moment, its posts a microsecond apart in input order."""
    return [arriving(post, at + SPACING * n) for n, post in enumerate(posts)]


def publish(session: Session, bus: Bus, events: Sequence[RawEvent]) -> None:
    """Queue live events on the inbound bus in the caller's transaction (as a connector does)."""
    bus.publish(session, INBOUND, [event.to_json() for event in events])


# --- what has been handled --------------------------------------------------------------------


def _chunks(keys: Sequence[Key]) -> Iterator[Sequence[Key]]:
    for start in range(0, len(keys), SQL_CHUNK):
        yield keys[start : start + SQL_CHUNK]


def stored_keys(session: Session, keys: Iterable[Key]) -> set[Key]:
    """Which of these posts are stored already."""
    found: set[Key] = set()
    for chunk in _chunks(sorted(set(keys))):
        found.update(
            (network, native_id)
            for network, native_id in session.execute(
                select(PostRow.network, PostRow.native_id).where(
                    tuple_(PostRow.network, PostRow.native_id).in_(chunk)
                )
            )
        )
    return found


def unhandled(session: Session, keys: Iterable[Key]) -> set[Key]:
    """The posts the live pipeline has not finished: not stored yet, or a customer post on a
    case that the automate stage has not looked at yet (every such post gets a case event, and
    the stage marks each post it sees in `automated_posts`)."""
    wanted = sorted(set(keys))
    done: set[Key] = set()
    for chunk in _chunks(wanted):
        rows = session.execute(
            select(
                PostRow.network,
                PostRow.native_id,
                PostRow.inbound,
                PostRow.filtered_reason,
                PostRow.case_id,
                AutomatedPost.post_id,
            )
            .outerjoin(AutomatedPost, AutomatedPost.post_id == PostRow.id)
            .where(tuple_(PostRow.network, PostRow.native_id).in_(chunk))
        )
        for network, native_id, inbound, filtered, case_id, automated in rows:
            automatable = inbound and filtered is None and case_id is not None
            if not automatable or automated is not None:
                done.add((network, native_id))
    return set(wanted) - done


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the live pipeline made of a run's posts, counted from the database."""

    stored: int
    on_cases: int
    rules_acted: int


def outcome(session: Session, keys: Iterable[Key]) -> Outcome:
    """Posts stored, on a case, and rule runs on them (the automations that acted)."""
    stored = on_cases = acted = 0
    for chunk in _chunks(sorted(set(keys))):
        where = tuple_(PostRow.network, PostRow.native_id).in_(chunk)
        stored += int(session.scalar(select(func.count()).where(where)) or 0)
        on_cases += int(
            session.scalar(select(func.count()).where(where, PostRow.case_id.is_not(None))) or 0
        )
        acted += int(
            session.scalar(
                select(func.count())
                .select_from(RuleRun)
                .join(PostRow, PostRow.id == RuleRun.post_id)
                .where(where)
            )
            or 0
        )
    return Outcome(stored, on_cases, acted)


def wait_handled(
    database_url: str,
    keys: Iterable[Key],
    *,
    timeout_s: float,
    drain: Callable[[], int] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Return once every post is handled; `drain` (the embedded mode) does the work in this
    process meanwhile, else the workers do. LiveTimeout after `timeout_s` without it."""
    left = set(keys)
    deadline = time.monotonic() + timeout_s
    while left:
        worked = drain() if drain is not None else 0
        with transaction(database_url) as session:
            left = unhandled(session, left)
        if not left:
            return
        if time.monotonic() >= deadline:
            check = (
                "their batches failed here; run with -v to see why (the bus retries them)"
                if drain is not None
                else "are `atdesk worker` processes running on this ATDESK_REDIS_URL and"
                " ATDESK_DATABASE_URL?"
            )
            raise LiveTimeout(
                f"timed out after {timeout_s:g} s: {len(left)} published posts are not handled"
                f" yet (stored and automated); {check} The posts stay queued."
            )
        if not worked:
            sleep(POLL_S)


# --- `atdesk ingest --live FILE` --------------------------------------------------------------


@dataclass(slots=True)
class LiveReport:
    """The outcome of one live ingest run, printed by the command and returned to tests."""

    rows: int = 0
    bad_rows: list[RowError] = field(default_factory=list)
    published: int = 0
    already_stored: int = 0
    brands_created: int = 0
    waited: bool = False
    outcome: Outcome | None = None
    seconds: float = 0.0


def _posts(path: Path, report: LiveReport, warn: Callable[[str], None]) -> Iterator[Post]:
    """The file's good posts in order; bad rows are kept in the report with their line."""
    for item in read_replay(path, warn=warn):
        if isinstance(item, RowError):
            report.bad_rows.append(item)
            continue
        try:
            post = normalize(item)
        except ValueError as exc:
            report.bad_rows.append(RowError(item.line or 0, str(exc)))
            continue
        report.rows += 1
        yield post


def _batches(posts: Iterator[Post], size: int) -> Iterator[list[Post]]:
    batch: list[Post] = []
    for post in posts:
        batch.append(post)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _company_handles(path: Path) -> dict[Network, set[str]]:
    """Authors of the file's posts marked inbound=False: the company accounts it names."""
    found: dict[Network, set[str]] = {}
    for item in read_replay(path, warn=lambda _: None):
        if isinstance(item, RawEvent):
            try:
                post = normalize(item)
            except ValueError:
                continue
            if post.inbound is False:
                found.setdefault(post.network, set()).add(post.author.handle)
    return found


def ingest_live(
    path: Path,
    database_url: str,
    bus: Bus,
    *,
    clock: Callable[[], datetime],
    drain: Callable[[], int] | None = None,
    wait: bool = False,
    timeout_s: float = 300.0,
    batch_size: int = PUBLISH_BATCH,
    progress: Callable[[int], object] = lambda n: None,
    warn: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> LiveReport:
    """Push a replay file through the live pipeline (SPEC §4). With `drain` (the embedded bus)
    each batch is handled in this process before the next is read; without it the batches go
    to the workers, and `wait` returns only once the workers have handled them all."""
    started = time.perf_counter()
    report = LiveReport(waited=wait or drain is not None)
    companies = _company_handles(path)
    with transaction(database_url) as session:
        for network, handles in companies.items():
            # Working brands: their cases are live (ADR 96), unlike a history file's.
            report.brands_created += ensure_brand_accounts(session, network, handles)
    published: list[Key] = []
    for batch in _batches(_posts(path, report, warn), batch_size):
        keys = [post.key for post in batch]
        with transaction(database_url) as session:
            report.already_stored += len(stored_keys(session, keys))
            publish(session, bus, arriving_batch(batch, clock()))
        report.published += len(batch)
        published.extend(keys)
        if drain is not None:
            wait_handled(database_url, keys, timeout_s=timeout_s, drain=drain, sleep=sleep)
        progress(len(batch))
    if drain is not None:
        while drain():  # the replies and acknowledgements the automations queued, due now
            pass
    elif wait:
        wait_handled(database_url, published, timeout_s=timeout_s, sleep=sleep)
    if report.waited:
        with transaction(database_url) as session:
            report.outcome = outcome(session, published)
    report.seconds = time.perf_counter() - started
    return report


# --- `POST /api/v1/events` --------------------------------------------------------------------

ACCEPTED, DUPLICATE, INVALID, FORBIDDEN = "accepted", "duplicate", "invalid", "forbidden"
RETRY_AFTER_S = 5


class QueueFull(RuntimeError):
    """The inbound queue is over its bound: nothing is queued; retry after `retry_after_s`."""

    def __init__(self, waiting: int, bound: int, retry_after_s: int = RETRY_AFTER_S) -> None:
        super().__init__(
            f"{waiting} posts are waiting for the workers (the bound is {bound}); nothing was"
            f" queued: send again in {retry_after_s} s"
        )
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What became of one pushed item, in input order."""

    index: int
    network: str | None
    id: str | None
    status: str
    error: str | None = None


def check_backpressure(bus: Bus, bound: int) -> None:
    """QueueFull when more than `bound` inbound messages wait for the workers."""
    waiting = bus.pending(INBOUND)
    if waiting > bound:
        raise QueueFull(waiting, bound)


def _brand_of(post: Post, directory: BrandDirectory) -> int | None:
    """The brand the pipeline will give this post (its author's account, else the account it
    addresses: `to` or its first @mention of one, else a brand's listening)."""
    return decide(post, directory).brand_id


def push_items(
    session: Session,
    bus: Bus,
    items: Sequence[Item],
    *,
    brand_ids: frozenset[int] | None,
    now: datetime,
) -> list[ItemResult]:
    """Queue the good, new posts a viewer may push, arriving `now`; one result per item.

    A post is the viewer's when the pipeline would give it one of their brands (`brand_ids`;
    None: every brand and posts of none, for admins). The same id earlier in the request or
    already stored is a duplicate and is not queued again.
    """
    directory = BrandDirectory.load(session) if brand_ids is not None else None
    candidates = [item.post.key for item in items if item.post is not None]
    stored = stored_keys(session, candidates)
    seen: set[Key] = set()
    results: list[ItemResult] = []
    queued: list[Post] = []
    for item in items:
        post = item.post
        if post is None:
            results.append(
                ItemResult(item.index, item.network, item.native_id, INVALID, item.error)
            )
            continue
        if directory is not None and not may_see_brand(brand_ids, _brand_of(post, directory)):
            results.append(
                ItemResult(
                    item.index,
                    post.network.value,
                    post.native_id,
                    FORBIDDEN,
                    "the post is for none of your brands: it must be written by one of their"
                    " accounts or address one (`to`, or an @mention)",
                )
            )
            continue
        if post.key in stored or post.key in seen:
            results.append(ItemResult(item.index, post.network.value, post.native_id, DUPLICATE))
            continue
        seen.add(post.key)
        queued.append(post)
        results.append(ItemResult(item.index, post.network.value, post.native_id, ACCEPTED))
    publish(session, bus, arriving_batch(queued, now))
    return results
