"""The scale-out bus: Redis Streams with consumer groups; PostgreSQL stays the system of record."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Sequence
from typing import Any, cast

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from atdesk.pipeline.bus import PREPARE_ATTEMPTS, Handler, Stale, prepared
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)

GROUP = "atdesk-workers"
STREAM_PREFIX = "atdesk:"
RECLAIM_IDLE_MS = 60_000


def stream_name(topic: str) -> str:
    """One stream per topic, namespaced so atdesk can share a Redis."""
    return STREAM_PREFIX + topic


class RedisBus:
    """XADD after the database commits; XREADGROUP, handle in one transaction, then XACK."""

    def __init__(self, redis_url: str, database_url: str, consumer: str | None = None) -> None:
        self.redis = redis.Redis.from_url(redis_url)
        self.database_url = database_url
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
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
        """Send only after the session commits, so a rolled-back write never reaches a worker."""
        if not payloads:
            return
        stream = stream_name(topic)
        bodies = [json.dumps(p, separators=(",", ":")) for p in payloads]

        def send(_session: Session) -> None:
            pipe = self.redis.pipeline(transaction=False)
            for body in bodies:
                pipe.xadd(stream, {"m": body})
            pipe.execute()

        event.listen(session, "after_commit", send, once=True)

    def _read(self, stream: str, batch_size: int) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """Messages another consumer left unacknowledged for a minute first, then new ones."""
        claimed = self.redis.xautoclaim(
            stream,
            GROUP,
            self.consumer,
            min_idle_time=RECLAIM_IDLE_MS,
            start_id="0",
            count=batch_size,
        )
        messages = cast(list[tuple[bytes, dict[bytes, bytes]]], claimed[1])
        if messages:
            return messages
        response: Any = self.redis.xreadgroup(
            GROUP, self.consumer, {stream: ">"}, count=batch_size, block=1000
        )
        if not response:
            return []
        return cast(list[tuple[bytes, dict[bytes, bytes]]], response[0][1])

    def consume(self, topic: str, handler: Handler, *, batch_size: int = 500) -> int:
        """Handle one batch, prepared first; acknowledge only after the database transaction
        committed."""
        stream = stream_name(topic)
        self._ensure_group(stream)
        messages = self._read(stream, batch_size)
        if not messages:
            return 0
        payloads = [json.loads(fields[b"m"]) for _, fields in messages]
        for attempt in range(1, PREPARE_ATTEMPTS + 1):
            # Prepared with no transaction open: no row lock waits on a model (ADR 78).
            store = prepared(handler, self.database_url, payloads)
            try:
                with transaction(self.database_url) as session:
                    store(session, payloads)
                break
            except Stale:
                if attempt == PREPARE_ATTEMPTS:
                    raise  # left unacknowledged: another try after RECLAIM_IDLE_MS
        self.redis.xack(stream, GROUP, *[message_id for message_id, _ in messages])
        return len(messages)

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
