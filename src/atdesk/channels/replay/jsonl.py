"""The JSON Lines ingest format (SPEC.md section 5): one post per line, any network."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

from atdesk.channels.replay.errors import RowError, RowInvalid, undecodable
from atdesk.domain.networks import Network, parse_network
from atdesk.domain.posts import Author, Post, RawEvent, unstorable

SOURCE = "jsonl"
FIELDS = frozenset(
    {
        "network",
        "id",
        "text",
        "created_at",
        "author",
        "in_reply_to",
        "to",
        "direct",
        "coordinates",
        "media",
        "inbound",
        "lang",
        "reply_ids",
    }
)
AUTHOR_FIELDS = frozenset({"id", "handle", "name", "followers", "verified"})


def parse_iso_time(value: Any, field: str = "created_at") -> datetime:
    """ISO 8601 with a zone ('Z' allowed); a naive time is refused rather than guessed."""
    if not isinstance(value, str) or not value.strip():
        raise RowInvalid(f"missing {field}")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RowInvalid(f"bad date {value!r} in {field}; expected ISO 8601") from None
    if parsed.tzinfo is None:
        raise RowInvalid(f"date {value!r} in {field} has no time zone; add Z or +00:00")
    return parsed


def _text_id(value: Any, field: str, *, required: bool) -> str | None:
    """Native ids are strings; numbers are accepted and turned into their exact digits."""
    if value is None or value == "":
        if required:
            raise RowInvalid(f"missing {field}")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowInvalid(f"bad {field} {value!r}; expected a string id")
    return str(value)


def _coordinates(value: Any) -> tuple[float, float] | None:
    """[lat, lon] within range, or None."""
    if value is None:
        return None
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise RowInvalid(f"bad coordinates {value!r}; expected [lat, lon]")
    lat, lon = float(value[0]), float(value[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise RowInvalid(f"coordinates {value!r} out of range; expected [lat, lon]")
    return (lat, lon)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a JSON value, with where it is (author.name, media[0])."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _strings(item, f"{path}[{n}]")


def _unpaired_surrogate(strings: Iterable[tuple[str, str]]) -> str | None:
    """A JSON \\ud800-style escape left alone, or a \\u0000, decodes to text no database stores."""
    for path, value in strings:
        problem = undecodable(value)
        if problem is not None:
            return f"{path}: {problem}"
    return None


def normalize_line(data: dict[str, Any]) -> Post:
    """Turn one JSON object into a Post, raising RowInvalid with the reason."""
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise RowInvalid(f"unknown fields: {', '.join(unknown)}")
    surrogate = _unpaired_surrogate(_strings(data, ""))
    if surrogate is not None:
        raise RowInvalid(surrogate)
    try:
        network = parse_network(str(data.get("network") or ""))
    except ValueError as exc:
        raise RowInvalid(str(exc)) from None
    native_id = _text_id(data.get("id"), "id", required=True)
    assert native_id is not None
    text = data.get("text")
    if not isinstance(text, str):
        raise RowInvalid("missing text")
    author = data.get("author")
    if not isinstance(author, dict):
        raise RowInvalid("missing author object")
    unknown_author = sorted(set(author) - AUTHOR_FIELDS)
    if unknown_author:
        raise RowInvalid(f"unknown author fields: {', '.join(unknown_author)}")
    author_id = _text_id(author.get("id"), "author.id", required=True)
    assert author_id is not None
    handle = str(author.get("handle") or author_id).lstrip("@")
    followers = author.get("followers", 0) or 0
    if isinstance(followers, bool) or not isinstance(followers, int) or followers < 0:
        raise RowInvalid(f"bad author.followers {followers!r}")
    media = data.get("media") or []
    if not isinstance(media, list) or not all(isinstance(m, str) for m in media):
        raise RowInvalid("bad media; expected a list of URLs")
    inbound = data.get("inbound")
    if inbound is not None and not isinstance(inbound, bool):
        raise RowInvalid("bad inbound; expected true or false")
    to = data.get("to")
    post = Post(
        network=network,
        native_id=native_id,
        text=text,
        created_at=parse_iso_time(data.get("created_at")),
        author=Author(
            network=network,
            native_id=author_id,
            handle=handle,
            name=str(author.get("name") or ""),
            followers=followers,
            verified=bool(author.get("verified", False)),
        ),
        in_reply_to=_text_id(data.get("in_reply_to"), "in_reply_to", required=False),
        reply_ids=tuple(str(r) for r in data.get("reply_ids") or ()),
        to_handle=str(to).lstrip("@") if to else None,
        direct=bool(data.get("direct", False)),
        coordinates=_coordinates(data.get("coordinates")),
        media=tuple(media),
        lang=str(data["lang"]) if data.get("lang") else None,
        inbound=inbound,
    )
    problem = unstorable(post)
    if problem is not None:
        raise RowInvalid(problem)
    return post


def read_jsonl(stream: TextIO) -> Iterator[RawEvent | RowError]:
    """Yield one event per good line and one RowError per bad line, in file order."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        problem = undecodable(line)
        if problem is not None:
            yield RowError(number, problem)
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RowError(number, f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        except RecursionError:  # [[[[...]]]] a thousand deep: one row lost, not the whole file
            yield RowError(number, "not valid JSON here: nested too deeply")
            continue
        if not isinstance(data, dict):
            yield RowError(number, "expected a JSON object")
            continue
        try:
            post = normalize_line(data)
        except RowInvalid as exc:
            yield RowError(number, str(exc))
            continue
        yield RawEvent(source=SOURCE, payload=data, line=number, post=post)


__all__ = ["Network", "normalize_line", "parse_iso_time", "read_jsonl"]
