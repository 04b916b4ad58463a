"""API shape of an outbound automation job."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class JobOut(BaseModel):
    """An outbound call waiting, done, or waiting for a person."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    brand_id: int | None
    case_id: int | None
    status: str
    attempts: int
    due_at: datetime
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
