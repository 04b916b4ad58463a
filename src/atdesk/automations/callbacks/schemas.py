"""API shapes for callback requests."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from atdesk.customers.schemas import CustomerRef


class CallbackOut(BaseModel):
    """A callback request in the queue."""

    id: int
    brand_id: int
    case_id: int | None
    customer: CustomerRef | None
    status: str
    reason: str
    window_start: datetime
    window_end: datetime
    window_requested: bool
    window_phrase: str
    claimed_by: str | None
    outcome: str | None
    call_attempts: int
    revision: int
    created_at: datetime
    completed_at: datetime | None


class CallbackOutcomeIn(BaseModel):
    """What happened on the call."""

    outcome: str
    notes: str = ""


class WindowIn(BaseModel):
    """A new callback window."""

    start: datetime
    end: datetime
