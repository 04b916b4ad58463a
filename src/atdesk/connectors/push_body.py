"""Reading a `POST /api/v1/events` body: a JSON array or JSON Lines of posts (SPEC §5, §7).

The body as a whole must be readable (else 400, 413 or 415 and nothing is queued); each item is
then judged alone, so one bad post is reported by its index and the others still go in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from atdesk.channels.replay.errors import RowInvalid, undecodable
from atdesk.channels.replay.jsonl import normalize_line
from atdesk.config import EVENTS_MAX_ITEMS
from atdesk.domain.errors import AppError
from atdesk.domain.posts import Post

JSON_TYPES = frozenset({"application/json"})
LINES_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/jsonlines",
    }
)


class BadBody(AppError):
    """The body is not a JSON array nor JSON Lines of posts: say what was expected (400)."""

    status = 400


class TooManyItems(AppError):
    """More posts than one request may carry: split the batch (413)."""

    status = 413


class UnsupportedType(AppError):
    """A Content-Type that is not JSON nor JSON Lines (415)."""

    status = 415


@dataclass(frozen=True, slots=True)
class Item:
    """One item of the body in input order: its post, or why it is not one."""

    index: int
    post: Post | None = None
    error: str | None = None
    network: str | None = None
    native_id: str | None = None


def media_type(content_type: str | None) -> str | None:
    """'json', 'lines', or None to sniff; UnsupportedType for anything else."""
    if not content_type:
        return None
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in JSON_TYPES or kind.endswith("+json"):
        return "json"
    if kind in LINES_TYPES:
        return "lines"
    if kind in ("", "*/*", "application/octet-stream", "text/plain"):
        return None
    raise UnsupportedType(
        f"Content-Type {kind} is not accepted: send application/json (an array of posts) or"
        " application/x-ndjson (one post per line)"
    )


def _values(text: str, kind: str | None, max_items: int) -> list[Any]:
    """The body's items as parsed JSON values (a line that is not JSON stays a RowInvalid)."""
    stripped = text.lstrip()
    if not stripped:
        raise BadBody("the body is empty: send a JSON array of posts or one post per line")
    if stripped.startswith("[") and kind != "lines":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadBody(
                f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except RecursionError:
            raise BadBody("the body is not valid JSON here: nested too deeply") from None
        if not isinstance(data, list):  # pragma: no cover - '[' starts an array
            raise BadBody("expected a JSON array of posts")
        _cap(len(data), max_items)
        return data
    if not stripped.startswith("{"):
        raise BadBody(
            "expected a JSON array of posts ('[...]') or JSON Lines (one post object per line)"
        )
    lines = [line for line in text.splitlines() if line.strip()]
    _cap(len(lines), max_items)
    values: list[Any] = []
    for number, line in enumerate(lines, start=1):
        try:
            values.append(json.loads(line))
        except json.JSONDecodeError as exc:
            values.append(RowInvalid(f"line {number} is not valid JSON: {exc.msg}"))
        except RecursionError:
            values.append(RowInvalid(f"line {number} is not valid JSON: nested too deeply"))
    return values


def _cap(count: int, max_items: int) -> None:
    if count > max_items:
        raise TooManyItems(
            f"{count} posts in one request; at most {max_items:,} are taken: split the batch"
        )


def _item(index: int, value: Any) -> Item:
    if isinstance(value, RowInvalid):
        return Item(index, error=str(value))
    if not isinstance(value, dict):
        return Item(index, error="expected a JSON object (a post in the ingest format)")
    network = value.get("network") if isinstance(value.get("network"), str) else None
    raw_id = value.get("id")
    native_id = (
        str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
    )
    try:
        post = normalize_line(value)
    except RowInvalid as exc:
        return Item(index, error=str(exc), network=network, native_id=native_id)
    return Item(index, post=post, network=post.network.value, native_id=post.native_id)


def read_items(
    body: bytes, content_type: str | None, *, max_items: int = EVENTS_MAX_ITEMS
) -> list[Item]:
    """Every item of the body in order; BadBody, TooManyItems (over `max_items`) or
    UnsupportedType for the whole."""
    kind = media_type(content_type)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadBody(
            f"the body is not UTF-8: byte 0x{body[exc.start]:02x} at {exc.start}"
        ) from None
    problem = undecodable(text)
    if problem is not None:
        raise BadBody(f"the body cannot be stored: {problem}")
    return [_item(index, value) for index, value in enumerate(_values(text, kind, max_items))]
