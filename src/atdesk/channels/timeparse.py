"""The time formats networks send, parsed into aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

from atdesk.channels.errors import MalformedEvent


def parse_iso(value: object, field: str = "created_at") -> datetime:
    """ISO 8601 with a zone (`Z` allowed), as X v2, Mastodon and Bluesky send it."""
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"missing {field}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedEvent(f"bad {field} {value!r}; expected ISO 8601") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_v1_time(value: object, field: str = "created_at") -> datetime:
    """X v1.1's `Sun Mar 01 14:05:09 +0000 2026`."""
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"missing {field}")
    try:
        return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    except ValueError:
        raise MalformedEvent(
            f"bad {field} {value!r}; expected 'Sun Mar 01 14:05:09 +0000 2026'"
        ) from None


def parse_epoch_ms(value: object, field: str = "created_timestamp") -> datetime:
    """Milliseconds since the epoch, as a number or a string (X webhooks use strings)."""
    try:
        millis = int(str(value))
    except ValueError:
        raise MalformedEvent(f"bad {field} {value!r}; expected epoch milliseconds") from None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def iso_millis(moment: datetime) -> str:
    """`2026-03-01T14:05:09.000Z`, the form X and Bluesky write."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
