"""One line of `atdesk triage` input (SPEC §2) checked and turned into a TriageInput."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from atdesk.domain.triage import TriageInput


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """Either an input to triage or the reason the line was refused (with its id if known)."""

    id: str | None
    item: TriageInput | None = None
    error: str | None = None


def parse_created_at(value: Any) -> datetime:
    """ISO 8601 (a trailing Z allowed); a time without zone is taken as UTC."""
    if not isinstance(value, str):
        raise ValueError("created_at must be an ISO 8601 string")
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _author(value: Any) -> tuple[str | None, int, bool]:
    if value is None:
        return None, 0, False
    if isinstance(value, str):
        return value, 0, False
    if not isinstance(value, dict):
        raise ValueError("author must be an object or a handle string")
    followers = value.get("followers") or 0
    if not isinstance(followers, int) or isinstance(followers, bool) or followers < 0:
        raise ValueError("author.followers must be a non-negative integer")
    handle = value.get("handle")
    return (str(handle) if handle is not None else None), followers, bool(value.get("verified"))


def _coordinates(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    ok = isinstance(value, list | tuple) and len(value) == 2
    if ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        lat, lon = float(value[0]), float(value[1])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    raise ValueError("coordinates must be [lat, lon] numbers in range")


def parse_line(line: str) -> ParsedLine:
    """Check one JSON line; never raises."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return ParsedLine(None, error=f"invalid JSON: {exc.msg}")
    if not isinstance(data, dict):
        return ParsedLine(None, error="each line must be a JSON object")
    raw_id = data.get("id")
    post_id = raw_id if isinstance(raw_id, str) else None
    if post_id is None:
        return ParsedLine(None, error="id is required and must be a string")
    text = data.get("text")
    if not isinstance(text, str):
        return ParsedLine(post_id, error="text is required and must be a string")
    try:
        created_at = (
            parse_created_at(data["created_at"]) if data.get("created_at") is not None else None
        )
        handle, followers, verified = _author(data.get("author"))
        coordinates = _coordinates(data.get("coordinates"))
    except ValueError as exc:
        return ParsedLine(post_id, error=str(exc))
    brand = data.get("brand")
    item = TriageInput(
        text=text,
        created_at=created_at,
        author_handle=handle,
        followers=followers,
        verified=verified,
        brand=str(brand) if brand is not None else None,
        coordinates=coordinates,
        aimed_at_executive=bool(data.get("aimed_at_executive", False)),
    )
    return ParsedLine(post_id, item=item)
