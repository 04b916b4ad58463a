"""A rollup cell's sums of case facts rows: folded from rows, packed, and shifted by the rows
that leave and join it, so a refresh costs what changed, not the size of the day (ADR 107).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from atdesk.models import CaseFacts, ReportCaseDay, ReportCaseWeek

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MEASURES = ("first_response", "first_response_bh", "next_response", "resolution", "resolution_bh")
COUNTS = (
    "cases", "answered", "resolved", "ever_resolved", "reopened", "automated", "touched",
    "handed_off", "sla_met", "sla_reached", "backlog",
)  # fmt: skip
COLUMNS = (
    CaseFacts.brand_id, CaseFacts.opened_at, CaseFacts.first_response_at, CaseFacts.resolved_at,
    CaseFacts.first_response_due_at, CaseFacts.resolution_due_at, CaseFacts.reopens,
    CaseFacts.automated, CaseFacts.automation_replied, CaseFacts.handoff, CaseFacts.status,
    CaseFacts.history, CaseFacts.first_response_s, CaseFacts.first_response_bh_s,
    CaseFacts.next_response_s, CaseFacts.resolution_s, CaseFacts.resolution_bh_s,
)  # fmt: skip
# What either rollup keys its cells by, besides the brand and the day of opening.
KEYED = (*COLUMNS, CaseFacts.team_id, CaseFacts.assignee_id)

# The value lists a cell keeps: the measures, the backlog cases' openings, unreached dues.
LISTS = (*MEASURES, "open", "fr_due", "res_due")
Held = tuple[list[int], dict[str, list[float]]]  # counts in COUNTS' order, lists by name
K = TypeVar("K")
CHUNK = 500


class Drift(Exception):
    """A cell does not hold a row it should (written by other code, or by hand): rewrite it."""


def micros(moment: datetime) -> int:
    """A moment as integer microseconds since 1970 (exact, unlike a float timestamp)."""
    delta = moment.astimezone(UTC) - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def keyed_rows(session: Session, case_ids: Sequence[int]) -> list[Any]:
    """These cases' facts rows as the rollups fold them (KEYED columns)."""
    rows: list[Any] = []
    for start in range(0, len(case_ids), CHUNK):
        chunk = case_ids[start : start + CHUNK]
        rows += session.execute(select(*KEYED).where(CaseFacts.case_id.in_(chunk))).all()
    return rows


def gather(cells: Iterable[tuple[K, Any]]) -> dict[K, Held]:
    """Facts rows (of COLUMNS), each given after its cell, added up per cell (lists unsorted)."""
    held: dict[K, Held] = {}
    for key, row in cells:
        if key not in held:
            held[key] = ([0] * len(COUNTS), {name: [] for name in LISTS})
        counts, values = held[key]
        _add(counts, values, row)
    return held


def fold(cells: Iterable[tuple[K, Any]]) -> dict[K, dict[str, Any]]:
    """Facts rows (of COLUMNS), each given after its cell, summed per cell into rollup column
    values: the counts by name, and the sorted value lists packed as `values_blob`."""
    return {key: sums(counts, values) for key, (counts, values) in gather(cells).items()}


def sums(counts: Sequence[int], values: dict[str, list[float]]) -> dict[str, Any]:
    """A cell's column values: every list sorted, so the same rows give the same bytes."""
    for name in LISTS:
        values[name].sort()
    return {**dict(zip(COUNTS, counts, strict=True)), "values_blob": pack(values)}


def _add(counts: list[int], values: dict[str, list[float]], row: Any) -> None:
    """One facts row into its cell: the same conditions as cells._case_counts sums in SQL."""
    answered = row.first_response_at is not None
    resolved = row.resolved_at is not None
    counts[0] += 1
    counts[1] += answered
    counts[2] += resolved
    counts[3] += resolved or row.reopens > 0
    counts[4] += row.reopens > 0
    counts[5] += row.automated is True
    counts[6] += row.automation_replied is True or row.handoff is True
    counts[7] += row.handoff is True
    fr_due, res_due = row.first_response_due_at, row.resolution_due_at
    counts[8] += answered and fr_due is not None and row.first_response_at <= fr_due
    counts[8] += resolved and res_due is not None and row.resolved_at <= res_due
    counts[9] += (fr_due is not None and answered) + (res_due is not None and resolved)
    if fr_due is not None and not answered:
        values["fr_due"].append(micros(fr_due))
    if res_due is not None and not resolved:
        values["res_due"].append(micros(res_due))
    if row.status != "resolved" and not row.history:
        counts[10] += 1
        values["open"].append(micros(row.opened_at))
    for name, value in zip(
        MEASURES,
        (row.first_response_s, row.first_response_bh_s, row.next_response_s, row.resolution_s,
         row.resolution_bh_s),
        strict=True,
    ):  # fmt: skip
        if value is not None:
            values[name].append(float(value))


def pack(values: dict[str, list[float]]) -> bytes:
    """The LISTS as one array of doubles: their lengths, then their values. Exact: the
    measures are doubles already and microsecond moments are below 2**53."""
    packed = array("d", [float(len(values[name])) for name in LISTS])
    for name in LISTS:
        packed.fromlist(values[name])
    return packed.tobytes()


def unpack(blob: bytes) -> dict[str, list[float]]:
    """The LISTS of a packed cell, by name."""
    packed = array("d", bytes(blob))
    out: dict[str, list[float]] = {}
    at = len(LISTS)
    for name, size in zip(LISTS, packed[: len(LISTS)], strict=True):
        out[name] = packed[at : at + int(size)].tolist()
        at += int(size)
    return out


def shifted_cell(
    current: tuple[Sequence[int], bytes] | None, gone: Held | None, came: Held | None
) -> dict[str, Any] | None:
    """A cell's column values once the rows in `gone` left it and those in `came` joined it;
    None when no case is left in it. Raises Drift if it did not hold what leaves."""
    counts = list(current[0]) if current else [0] * len(COUNTS)
    values = unpack(current[1]) if current else {name: [] for name in LISTS}
    if gone:
        counts = [have - less for have, less in zip(counts, gone[0], strict=True)]
        if min(counts) < 0:
            raise Drift
        for name in LISTS:
            values[name] = _without(values[name], gone[1][name])
    if came:
        counts = [have + more for have, more in zip(counts, came[0], strict=True)]
        for name in LISTS:
            values[name].extend(came[1][name])
    if counts[0] == 0:
        if any(counts) or any(values.values()):
            raise Drift
        return None
    return sums(counts, values)


def _without(values: list[float], removed: list[float]) -> list[float]:
    """The values less one occurrence per removed value (a multiset difference)."""
    if not removed:
        return values
    values.sort()  # cells written before ADR 107 kept their moment lists unsorted
    kept: list[list[float]] = []
    start = 0
    for value, times in sorted(Counter(removed).items()):
        at = bisect_left(values, value, start)
        if values[at : at + times] != [value] * times:
            raise Drift
        kept.append(values[start:at])
        start = at + times
    kept.append(values[start:])
    return list(chain.from_iterable(kept))


def shift_all(
    current: Mapping[K, tuple[Sequence[int], bytes]],
    gone: Mapping[K, Held],
    came: Mapping[K, Held],
) -> tuple[dict[K, dict[str, Any] | None], set[K]]:
    """Every touched cell shifted (None: now empty), and the cells that drifted."""
    out: dict[K, dict[str, Any] | None] = {}
    drifted: set[K] = set()
    for key in set(gone) | set(came):
        try:
            out[key] = shifted_cell(current.get(key), gone.get(key), came.get(key))
        except Drift:
            drifted.add(key)
    return out, drifted


def shift_rows(
    session: Session,
    model: type[ReportCaseDay] | type[ReportCaseWeek],
    key_names: tuple[str, ...],
    gone: Mapping[tuple[Any, ...], Held],
    came: Mapping[tuple[Any, ...], Held],
) -> set[tuple[Any, ...]]:
    """Shift a rollup's touched rows in place (keys start with the brand and the day or week);
    returns the keys that drifted, for the caller to rewrite from the facts."""
    touched = set(gone) | set(came)
    units: dict[int, set[int]] = defaultdict(set)
    for key in touched:
        units[key[0]].add(key[1])
    keys = [getattr(model, name) for name in key_names]
    counts = [getattr(model, name) for name in COUNTS]
    ids: dict[tuple[Any, ...], int] = {}
    for brand, wanted in units.items():
        # The keys first, then the values of the touched rows alone: a week's other teams and
        # agents are not read.
        query = select(model.id, *keys).where(model.brand_id == brand, keys[1].in_(sorted(wanted)))
        for row in session.execute(query):
            if (key := tuple(row[1:])) in touched:
                ids[key] = row[0]
    by_id = {row_id: key for key, row_id in ids.items()}
    current: dict[tuple[Any, ...], tuple[Sequence[int], bytes]] = {}
    ordered = sorted(by_id)
    for start in range(0, len(ordered), CHUNK):
        query = select(model.id, *counts, model.values_blob).where(
            model.id.in_(ordered[start : start + CHUNK])
        )
        for row_id, *numbers, blob in session.execute(query):
            current[by_id[row_id]] = (numbers, blob)
    changed, drifted = shift_all(current, gone, came)
    doomed = sorted(ids[key] for key in changed if key in ids)
    for start in range(0, len(doomed), CHUNK):
        session.execute(delete(model).where(model.id.in_(doomed[start : start + CHUNK])))
    rows = [
        {**dict(zip(key_names, key, strict=True)), **values}
        for key, values in sorted(changed.items())
        if values is not None
    ]
    if rows:
        session.execute(insert(model), rows)
    return drifted
