"""Batch triage on every core: forked workers share the loaded models copy-on-write."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.triage.base import Triager

_WORKER_TRIAGER: Triager | None = None


def _set_worker_triager(triager: Triager) -> None:
    global _WORKER_TRIAGER
    _WORKER_TRIAGER = triager


def _triage_chunk(items: Sequence[TriageInput]) -> list[TriageResult]:
    assert _WORKER_TRIAGER is not None
    return _WORKER_TRIAGER.triage_many(items)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def triage_chunks(
    triager: Triager, chunks: Iterable[Sequence[TriageInput]], workers: int
) -> Iterator[list[TriageResult]]:
    """Results chunk by chunk, in order; workers > 1 forks that many processes."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield triager.triage_many(chunk)
        return
    context: Any = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_set_worker_triager, initargs=(triager,)) as pool:
        yield from pool.imap(_triage_chunk, chunks)
