"""API shapes of `POST /api/v1/events`: the answer with one result per pushed item."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class EventResultOut(BaseModel):
    """What became of one item, by its 0-based position in the body."""

    index: int
    network: str | None
    id: str | None
    status: Literal["accepted", "duplicate", "invalid", "forbidden"]
    error: str | None = None


class EventsAcceptedOut(BaseModel):
    """How many posts were queued for the live pipeline, and each item's result in order."""

    accepted: int
    duplicates: int
    invalid: int
    forbidden: int
    results: list[EventResultOut]
