"""Batch triage on every core: forked workers share the loaded models copy-on-write."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

from atdesk.domain.triage import Entities, Priority, Sentiment, TriageInput, TriageResult
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
    # Everything alive now (the models above all) is left out of cycle collections while the
    # pool runs: in the workers a collection would touch, and so copy, the shared pages; in
    # this process it would walk the models again for every batch of answers received.
    gc.freeze()
    try:
        with context.Pool(workers, initializer=_set_worker, initargs=(triager, work)) as pool:
            yield from pool.imap(_run, chunks)
    finally:
        gc.unfreeze()


# Posts and results cross between processes as tuples of plain values: pickling the objects
# themselves (enums, nested dataclasses) cost about four times as much.
_INPUT = attrgetter(*(f.name for f in fields(TriageInput)))
_RESULT = attrgetter(*(f.name for f in fields(TriageResult)))
_ENTITIES = attrgetter(*(f.name for f in fields(Entities)))
_SENTIMENTS = {s.value: s for s in Sentiment}
_PRIORITIES = {p.value: p for p in Priority}
_ENUMS: dict[str, dict[str, Any]] = {"sentiment": _SENTIMENTS, "priority": _PRIORITIES}
_RESULT_FIELDS = [f.name for f in fields(TriageResult)]


def pack_result(result: TriageResult) -> tuple[Any, ...]:
    """A result as plain values (entities nested as a tuple, enums as their values)."""
    values = list(_RESULT(result))
    for i, name in enumerate(_RESULT_FIELDS):
        if name == "entities":
            values[i] = _ENTITIES(values[i])
        elif name in _ENUMS:
            values[i] = values[i].value
    return tuple(values)


def unpack_result(values: tuple[Any, ...]) -> TriageResult:
    """What pack_result packed."""
    fixed = list(values)
    for i, name in enumerate(_RESULT_FIELDS):
        if name == "entities":
            fixed[i] = Entities(*fixed[i])
        elif name in _ENUMS:
            fixed[i] = _ENUMS[name][fixed[i]]
    return TriageResult(*fixed)


def _triage_packed(triager: Triager, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    results = triager.triage_many([TriageInput(*row) for row in rows])
    return [pack_result(result) for result in results]


def triage_chunks(
    triager: Triager, chunks: Iterable[Sequence[TriageInput]], workers: int
) -> Iterator[list[TriageResult]]:
    """Results chunk by chunk, in order."""
    if workers <= 1:
        for chunk in chunks:
            yield triager.triage_many(chunk)
        return
    packed = ([_INPUT(item) for item in chunk] for chunk in chunks)
    for rows in map_chunks(triager, _triage_packed, packed, workers):
        yield [unpack_result(row) for row in rows]
