"""Stage 1: every network's raw event becomes the one Post shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from atdesk.channels.errors import SHAPE_ERRORS, MalformedEvent, shape_problem
from atdesk.channels.registry import normalizers as channel_normalizers
from atdesk.channels.replay import jsonl, twcs
from atdesk.domain.posts import Post, RawEvent, unstorable

Normalizer = Callable[[dict[str, Any]], Post]

_NORMALIZERS: dict[str, Normalizer] = {
    twcs.SOURCE: twcs.normalize_row,
    jsonl.SOURCE: jsonl.normalize_line,
    **channel_normalizers(),
}


class UnknownSource(ValueError):
    """An event from a source no normaliser is registered for: a wiring bug, not bad data."""


def register_normalizer(source: str, normalizer: Normalizer) -> None:
    """Let a channel plug in the function that reads its raw payloads."""
    _NORMALIZERS[source] = normalizer


def normalize(event: RawEvent) -> Post:
    """The Post for one raw event; a payload of the wrong shape, or with a field longer than its
    column (which SQLite keeps and PostgreSQL refuses, failing the batch), is a MalformedEvent."""
    post = event.post if event.post is not None else _normalized(event)
    too_long = unstorable(post)
    if too_long is not None:
        raise MalformedEvent(f"{event.source} event cannot be stored: {too_long}")
    return post


def _normalized(event: RawEvent) -> Post:
    try:
        normalizer = _NORMALIZERS[event.source]
    except KeyError:
        raise UnknownSource(f"no normaliser for source {event.source!r}") from None
    try:
        return normalizer(event.payload)
    except SHAPE_ERRORS as exc:
        shape = shape_problem(exc)
        raise MalformedEvent(f"{event.source} event has the wrong shape: {shape}") from exc
