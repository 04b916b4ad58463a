"""The "Customer Support on Twitter" CSV (SPEC.md section 4), read row by row with line numbers."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from atdesk.channels.replay.errors import ReplayFormatError, RowError, RowInvalid, undecodable
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post, RawEvent, unstorable

SOURCE = "twcs"
COLUMNS = (
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
)
OPTIONAL_COLUMNS = ("source",)
_RECORD_START = re.compile(r"^\d+,")
_TWEET_ID = re.compile(r"^\d{1,19}$")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,50})")
_TWCS_TIME = "%a %b %d %H:%M:%S %z %Y"


def _records(lines: Iterator[str]) -> Iterator[tuple[int, list[str]] | RowError]:
    """Split physical lines into CSV records, recovering at the next record after broken quoting."""
    pending: list[tuple[int, str]] = []
    numbered = enumerate(lines, start=1)

    def next_line() -> tuple[int, str] | None:
        if pending:
            return pending.pop()
        return next(numbered, None)

    while (first := next_line()) is not None:
        start, buf = first
        taken: list[tuple[int, str]] = []
        while buf.count('"') % 2 == 1 and (more := next_line()) is not None:
            taken.append(more)
            buf += more[1]
        problem: str | None = None
        fields: list[str] = []
        if buf.count('"') % 2 == 1:
            problem = "broken quoting: a quoted field is never closed"
        else:
            try:
                parsed = list(csv.reader(io.StringIO(buf), strict=True))
            except csv.Error as exc:
                problem = f"broken quoting: {exc}"
            else:
                if len(parsed) != 1:
                    problem = "broken quoting: record spans several rows"
                else:
                    fields = parsed[0]
        if problem is not None:
            yield RowError(start, problem)
            restart = next(
                (k for k, (_, text) in enumerate(taken) if _RECORD_START.match(text)), None
            )
            if restart is not None:
                pending.extend(reversed(taken[restart:]))
            continue
        if (not buf.isascii() or "\x00" in buf) and (bad := _not_utf8([first, *taken])) is not None:
            yield bad
            continue
        if buf.strip():
            yield start, fields


def _not_utf8(lines: list[tuple[int, str]]) -> RowError | None:
    """The first physical line of a record that held a byte that is not UTF-8, if any."""
    for number, text in lines:
        problem = undecodable(text)
        if problem is not None:
            return RowError(number, problem)
    return None


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_UTC_TIME = re.compile(
    r"^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{2}) (\d{2}):(\d{2}):(\d{2}) \+0000 (\d{4})$"
)


def _parse_time(value: str) -> datetime:
    """twcs writes times like 'Tue Oct 31 22:10:47 +0000 2017' (UTC: a fast path, not strptime)."""
    match = _UTC_TIME.match(value.strip())
    try:
        if match and match.group(1) in _MONTHS:
            month, day, hour, minute, second, year = match.groups()
            return datetime(
                int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
            )
        return datetime.strptime(value.strip(), _TWCS_TIME)  # noqa: DTZ007 (%z is in the format)
    except ValueError:
        raise RowInvalid(
            f"bad date {value!r}; expected like 'Tue Oct 31 22:10:47 +0000 2017'"
        ) from None


def _parse_id(value: str, column: str, *, required: bool) -> str | None:
    """Tweet ids are 1-19 digits; the Kaggle export sometimes writes them as floats ('3.0')."""
    value = value.strip()
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]
    if not value:
        if required:
            raise RowInvalid(f"missing {column}")
        return None
    if not _TWEET_ID.match(value):
        raise RowInvalid(f"bad {column} {value!r}; expected 1-19 digits")
    return value


def normalize_row(row: dict[str, Any]) -> Post:
    """Turn one validated-or-not CSV row into a Post, raising RowInvalid with the reason."""
    native_id = _parse_id(str(row.get("tweet_id", "")), "tweet_id", required=True)
    assert native_id is not None
    author_id = str(row.get("author_id", "")).strip()
    if not author_id:
        raise RowInvalid("missing author_id")
    inbound_text = str(row.get("inbound", "")).strip().lower()
    if inbound_text not in ("true", "false"):
        raise RowInvalid(f"bad inbound {row.get('inbound')!r}; expected True or False")
    inbound = inbound_text == "true"
    created_at = _parse_time(str(row.get("created_at", "")))
    replies = tuple(
        rid
        for part in str(row.get("response_tweet_id") or "").split(",")
        if (rid := _parse_id(part, "response_tweet_id", required=False))
    )
    in_reply_to = _parse_id(
        str(row.get("in_response_to_tweet_id") or ""), "in_response_to_tweet_id", required=False
    )
    text = html.unescape(str(row.get("text", "")))
    mention = _MENTION.search(text) if inbound else None
    post = Post(
        network=Network.X,
        native_id=native_id,
        text=text,
        created_at=created_at,
        author=Author(network=Network.X, native_id=author_id, handle=author_id),
        in_reply_to=in_reply_to,
        reply_ids=replies,
        to_handle=mention.group(1) if mention else None,
        inbound=inbound,
    )
    problem = unstorable(post)
    if problem is not None:
        raise RowInvalid(problem)
    return post


def read_twcs(stream: TextIO, warn: Callable[[str], None] = print) -> Iterator[RawEvent | RowError]:
    """Yield one event per good row and one RowError per bad row, in file order."""
    records = _records(iter(stream))
    header: list[str] | None = None
    for item in records:
        if isinstance(item, RowError):
            if header is None:
                raise ReplayFormatError(f"cannot read the CSV header: {item}")
            yield item
            continue
        line, fields = item
        if header is None:
            header = [f.strip().lstrip("\ufeff") for f in fields]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise ReplayFormatError(
                    f"not a Customer Support on Twitter CSV: missing columns {', '.join(missing)}"
                    f" (expected {','.join(COLUMNS)})"
                )
            unknown = [c for c in header if c not in COLUMNS and c not in OPTIONAL_COLUMNS]
            if unknown:
                warn(f"line {line}: unknown columns ignored: {', '.join(unknown)}")
            continue
        if len(fields) != len(header):
            yield RowError(line, f"row has {len(fields)} columns, the header has {len(header)}")
            continue
        row = dict(zip(header, fields, strict=True))
        try:
            post = normalize_row(row)
        except RowInvalid as exc:
            yield RowError(line, str(exc))
            continue
        yield RawEvent(source=SOURCE, payload=row, line=line, post=post)
    if header is None:
        raise ReplayFormatError("empty file: no CSV header")
