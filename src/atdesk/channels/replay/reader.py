"""Pick the replay reader from the file's content, so users need not name the format."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from atdesk.channels.replay.errors import ReplayFormatError, RowError
from atdesk.channels.replay.jsonl import read_jsonl
from atdesk.channels.replay.twcs import read_twcs
from atdesk.domain.posts import RawEvent


def detect_format(path: Path) -> str:
    """'jsonl' when the first non-blank character is '{', else 'csv' (a BOM is not a character)."""
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        for line in handle:
            if line.strip():
                return "jsonl" if line.lstrip().startswith("{") else "csv"
    raise ReplayFormatError(f"{path} is empty")


def read_replay(path: Path, warn: Callable[[str], None] = print) -> Iterator[RawEvent | RowError]:
    """Events and row errors from a CSV or JSON Lines replay file."""
    fmt = detect_format(path)
    # A byte that is not UTF-8 costs its row only: the readers report it with its line number.
    # A byte order mark (spreadsheets write one) is dropped, or the first row would be lost.
    newline = "" if fmt == "csv" else None
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline=newline) as handle:
        if fmt == "jsonl":
            yield from read_jsonl(handle)
        else:
            yield from read_twcs(handle, warn=warn)
