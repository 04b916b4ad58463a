"""Batch triage on every core: forked workers share the loaded models copy-on-write."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.triage.base import Triager

Item = TypeVar("Item")
Out = TypeVar("Out")
_WORKER: tuple[Triager, Callable[[Triager, Any], Any]] | None = None


def _set_worker(triager: Triager, work: Callable[[Triager, Any], Any]) -> None:
    global _WORKER
    _WORKER = (triager, work)


def _run(chunk: Any) -> Any:
    assert _WORKER is not None
    triager, work = _WORKER
    return work(triager, chunk)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def map_chunks(
    triager: Triager,
    work: Callable[[Triager, Sequence[Item]], Out],
    chunks: Iterable[Sequence[Item]],
    workers: int,
) -> Iterator[Out]:
    """work(triager, chunk) for every chunk, in order; workers > 1 forks that many processes.

    Only chunks and answers cross between processes, so cheap-to-pickle ones (raw lines in,
    JSON lines out) keep the parent from becoming the bottleneck.
    """
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield work(triager, chunk)
        return
    context: Any = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_set_worker, initargs=(triager, work)) as pool:
        yield from pool.imap(_run, chunks)


def _triage_many(triager: Triager, chunk: Sequence[TriageInput]) -> list[TriageResult]:
    return triager.triage_many(chunk)


def triage_chunks(
    triager: Triager, chunks: Iterable[Sequence[TriageInput]], workers: int
) -> Iterator[list[TriageResult]]:
    """Results chunk by chunk, in order."""
    return map_chunks(triager, _triage_many, chunks, workers)
