"""The scale-out bus: Redis Streams with consumer groups; PostgreSQL stays the system of record.

Delivery is at-least-once and handlers are idempotent (ADR 99): a worker that dies leaves its
batch pending, and after `reclaim_idle_ms` another worker claims it with XAUTOCLAIM and handles
it again. A claimed batch is handled one message at a time, so one message that always fails
(a poison message) is told apart from the good ones beside it; after `max_failures` failed
tries on its own it moves to the topic's dead-letter stream (`atdesk:<topic>:dead`), logged and
counted, and stops blocking the stream. A failure of the servers themselves (database or Redis
unreachable) never counts against a message: the batch is left for later, untouched.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

import redis
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from atdesk.pipeline.bus import (
    CONFLICT_ATTEMPTS,
    PREPARE_ATTEMPTS,
    Handler,
    Stale,
    lost_race,
    prepared,
)
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)

GROUP = "atdesk-workers"
STREAM_PREFIX = "atdesk:"
DEAD_SUFFIX = ":dead"
FAILURES_SUFFIX = ":failures"
RECLAIM_IDLE_MS = 60_000
MAX_FAILURES = 5
PUBLISH_RETRY_S = 30.0
# How long a read waits on an empty stream. Short: a worker reads two streams in turn, and a
# long wait on the empty one held up the other (1 s per pass made two workers slower than one).
BLOCK_MS = 100
RECLAIM_IDLE_ENV = "ATDESK_REDIS_RECLAIM_IDLE_MS"
MAX_FAILURES_ENV = "ATDESK_REDIS_MAX_FAILURES"

Message = tuple[bytes, dict[bytes, bytes]]
# The servers being away, not the message being bad: never counted against a message.
OUTAGES: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
)


def stream_name(topic: str) -> str:
    """One stream per topic, namespaced so atdesk can share a Redis."""
    return STREAM_PREFIX + topic


def dead_letter_stream(topic: str) -> str:
    """Where a topic's poison messages go, with why and how often they failed."""
    return stream_name(topic) + DEAD_SUFFIX


def consumer_name(pid: int | None = None) -> str:
    """A worker's name in the consumer group and on its Redis connections: host and pid."""
    return f"{socket.gethostname()}-{pid or os.getpid()}"


def is_outage(exc: BaseException) -> bool:
    """Did this fail because a server was away (retry later) rather than because of the data?

    The whole chain counts: a publish that failed in the session's after-commit hook surfaces
    as the session's complaint about the rollback that followed, with the Redis error inside.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OUTAGES):
            return True
        if isinstance(seen, sa_exc.DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _positive_int(value: int | str | None, env: str, default: int) -> int:
    """An explicit value, else the environment, else the default; nonsense is refused."""
    raw: int | str | None = value if value is not None else os.environ.get(env)
    if raw is None or raw == "":
        return default
    try:
        number = int(raw)
    except ValueError:
        raise ValueError(f"{env} must be a whole number, not {raw!r}") from None
    if number < 0:
        raise ValueError(f"{env} must be 0 or more, not {number}")
    return number


class RedisBus:
    """XADD after the database commits; XREADGROUP, handle in one transaction, then XACK."""

    def __init__(
        self,
        redis_url: str,
        database_url: str,
        consumer: str | None = None,
        *,
        reclaim_idle_ms: int | None = None,
        max_failures: int | None = None,
        publish_retry_s: float = PUBLISH_RETRY_S,
        block_ms: int = BLOCK_MS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.database_url = database_url
        self.consumer = consumer or consumer_name()
        # Named connections: CLIENT LIST shows which worker holds which (operators, tests).
        self.redis = redis.Redis.from_url(redis_url, client_name=self.consumer)
        self.reclaim_idle_ms = _positive_int(reclaim_idle_ms, RECLAIM_IDLE_ENV, RECLAIM_IDLE_MS)
        self.max_failures = max(1, _positive_int(max_failures, MAX_FAILURES_ENV, MAX_FAILURES))
        self.publish_retry_s = publish_retry_s
        self.block_ms = block_ms
        self._sleep = sleep
        self._groups: set[str] = set()

    def _ensure_group(self, stream: str) -> None:
        if stream in self._groups:
            return
        try:
            self.redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups.add(stream)

    def publish(self, session: Session, topic: str, payloads: Sequence[dict[str, Any]]) -> None:
        """Send only after the session commits, so a rolled-back write never reaches a worker.

        A Redis that is away (restarting) is retried for `publish_retry_s`; if it stays away the
        commit raises (an error whose chain holds the Redis error: `is_outage` says so), and a
        consumer's batch stays unacknowledged to be handled again.
        """
        if not payloads:
            return
        stream = stream_name(topic)
        bodies = [json.dumps(p, separators=(",", ":")) for p in payloads]

        def send(_session: Session) -> None:
            self._with_retry(lambda: self._xadd(stream, bodies), "publish")

        event.listen(session, "after_commit", send, once=True)

    def _xadd(self, stream: str, bodies: list[str]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for body in bodies:
            pipe.xadd(stream, {"m": body})
        pipe.execute()

    def _with_retry(self, call: Callable[[], object], what: str) -> None:
        """Call, waiting out a Redis restart with growing pauses up to `publish_retry_s`."""
        waited = 0.0
        pause = 0.05
        while True:
            try:
                call()
                return
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                if waited >= self.publish_retry_s:
                    raise
                log.warning("redis %s failed (%s); retrying in %.2fs", what, exc, pause)
                self._sleep(pause)
                waited += pause
                pause = min(pause * 2, 2.0)

    def _claim(self, stream: str, batch_size: int) -> list[Message]:
        """Messages another consumer (perhaps dead) left unacknowledged for reclaim_idle_ms."""
        claimed = self.redis.xautoclaim(
            stream,
            GROUP,
            self.consumer,
            min_idle_time=self.reclaim_idle_ms,
            start_id="0",
            count=batch_size,
        )
        return cast(list[Message], claimed[1])

    def _read_new(self, stream: str, batch_size: int) -> list[Message]:
        response: Any = self.redis.xreadgroup(
            GROUP, self.consumer, {stream: ">"}, count=batch_size, block=self.block_ms or None
        )
        if not response:
            return []
        return cast(list[Message], response[0][1])

    def consume(self, topic: str, handler: Handler, *, batch_size: int = 500) -> int:
        """Handle one batch, prepared first; acknowledge only after the database transaction
        committed. Reclaimed messages go first, one at a time (see the module docstring)."""
        stream = stream_name(topic)
        self._ensure_group(stream)
        try:
            claimed = self._claim(stream, batch_size)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # Redis lost the group (restarted without persistence): make it again.
            self._groups.discard(stream)
            self._ensure_group(stream)
            claimed = self._claim(stream, batch_size)
        if claimed:
            return self._handle_one_by_one(topic, stream, handler, claimed)
        messages = self._read_new(stream, batch_size)
        if not messages:
            return 0
        self._handle(handler, [json.loads(fields[b"m"]) for _, fields in messages])
        self.redis.xack(stream, GROUP, *[message_id for message_id, _ in messages])
        return len(messages)

    def _handle(self, handler: Handler, payloads: list[dict[str, Any]]) -> None:
        """Prepare with no transaction open (ADR 78), store in one; again if it went stale or
        lost a race with another worker."""
        stale = conflicts = 0
        while True:
            store = prepared(handler, self.database_url, payloads)
            try:
                with transaction(self.database_url) as session:
                    store(session, payloads)
                return
            except Stale:
                stale += 1
                if stale == PREPARE_ATTEMPTS:
                    raise  # left unacknowledged: another try after reclaim_idle_ms
            except (sa_exc.IntegrityError, sa_exc.OperationalError) as exc:
                # Another worker stored the same row first (posts of one conversation, a
                # brand's default rules) or the two deadlocked: all of ours rolled back, and
                # again sees theirs. Any other OperationalError is an outage: the caller's.
                if not lost_race(exc):
                    raise
                conflicts += 1
                if conflicts == CONFLICT_ATTEMPTS:
                    raise
                log.info("batch lost a race with another worker (%s); again", exc.orig)
                self._sleep(0.05 * conflicts)

    def _handle_one_by_one(
        self, topic: str, stream: str, handler: Handler, messages: list[Message]
    ) -> int:
        """Handle reclaimed messages singly: a poison message fails alone and, after
        max_failures, is dead-lettered; a server outage stops the batch and counts nothing."""
        failures = stream + FAILURES_SUFFIX
        handled = 0
        for message_id, fields in messages:
            body = fields.get(b"m", b"")
            try:
                self._handle(handler, [json.loads(body)])
            except Exception as exc:
                if is_outage(exc):
                    raise
                count = int(self.redis.hincrby(failures, message_id, 1))
                if count < self.max_failures:
                    log.warning(
                        "message %s on %s failed (%d/%d): %s",
                        message_id.decode(),
                        topic,
                        count,
                        self.max_failures,
                        exc,
                    )
                    continue
                self._dead_letter(topic, stream, message_id, body, count, exc)
                handled += 1
                continue
            pipe = self.redis.pipeline(transaction=False)
            pipe.xack(stream, GROUP, message_id)
            pipe.hdel(failures, message_id)
            pipe.execute()
            handled += 1
        return handled

    def _dead_letter(
        self, topic: str, stream: str, message_id: bytes, body: bytes, count: int, exc: Exception
    ) -> None:
        """Move a message that keeps failing aside, so the stream moves on; a person looks."""
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        pipe = self.redis.pipeline(transaction=True)
        pipe.xadd(
            dead_letter_stream(topic),
            {"m": body, "id": message_id, "failures": str(count), "error": reason},
        )
        pipe.xack(stream, GROUP, message_id)
        pipe.hdel(stream + FAILURES_SUFFIX, message_id)
        pipe.execute()
        log.error(
            "message %s on %s failed %d times; moved to %s: %s",
            message_id.decode(),
            topic,
            count,
            dead_letter_stream(topic),
            reason,
        )

    def dead_letters(self, topic: str) -> int:
        """How many of the topic's messages were given up on (for health checks and tests)."""
        return int(self.redis.xlen(dead_letter_stream(topic)))

    def trim_handled(self, topic: str) -> int:
        """Drop the entries every worker has acknowledged, older than anything still pending
        or undelivered: a handled post's raw payload must not outlive retention or erasure in
        the stream. Returns how many went."""
        stream = stream_name(topic)
        self._ensure_group(stream)
        group = next(
            (g for g in self.redis.xinfo_groups(stream) if g["name"] in (GROUP, GROUP.encode())),
            None,
        )
        if group is None:
            return 0
        floor = _decoded(group["last-delivered-id"])
        if floor in ("0-0", "0"):
            return 0
        summary: Any = self.redis.xpending(stream, GROUP)
        if summary and int(summary.get("pending") or 0) and summary.get("min"):
            floor = min(floor, _decoded(summary["min"]), key=_stream_id)
        else:
            # Everything delivered is acknowledged: the last delivered entry may go too.
            ms, seq = _stream_id(floor)
            floor = f"{ms}-{seq + 1}"
        return int(self.redis.xtrim(stream, minid=floor, approximate=False))

    def pending(self, topic: str) -> int:
        """Messages not yet acknowledged by the group (including never delivered)."""
        stream = stream_name(topic)
        self._ensure_group(stream)
        info = self.redis.xinfo_groups(stream)
        for group in info:
            if group["name"] in (GROUP, GROUP.encode()):
                lag = group.get("lag") or 0
                return int(group.get("pending", 0)) + int(lag)
        return 0


def _decoded(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _stream_id(value: str) -> tuple[int, int]:
    """A stream entry id ("ms-seq") as numbers, so ids compare in stream order."""
    ms, _, seq = value.partition("-")
    return int(ms), int(seq or 0)
