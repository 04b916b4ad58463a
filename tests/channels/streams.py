"""Running a channel's stream in a thread for a test, and collecting what it delivers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from atdesk.channels.base import ReadBatch
from atdesk.domain.posts import Post


@dataclass
class StreamRun:
    """Batches received so far, and the error that ended the stream, if any."""

    batches: list[ReadBatch[Any]] = field(default_factory=list)
    error: BaseException | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    normalize: Callable[[ReadBatch[Any]], list[Post]] | None = None

    def add(self, batch: ReadBatch[Any]) -> None:
        with self.lock:
            self.batches.append(batch)

    def events(self) -> list[Any]:
        with self.lock:
            return [e for b in self.batches for e in b.events]


@contextmanager
def running(
    stream: Callable[[Any, Callable[[ReadBatch[Any]], None], threading.Event], None],
    account: Any,
) -> Iterator[StreamRun]:
    """Start `stream(account, on_batch, stop)` in a thread; stop and join on exit."""
    run = StreamRun()
    stop = threading.Event()

    def target() -> None:
        try:
            stream(account, run.add, stop)
        except Exception as exc:  # recorded: every test asserts on run.error
            run.error = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        yield run
    finally:
        stop.set()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the stream did not stop when asked"
