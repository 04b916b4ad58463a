"""API shapes for appointments and bookable resources."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from atdesk.customers.schemas import CustomerRef
from atdesk.domain.ids import RowId


class AppointmentOut(BaseModel):
    """A booked (or cancelled) visit."""

    id: int
    brand_id: int
    customer: CustomerRef
    resource_id: int
    resource: str
    kind: str
    start_at: datetime
    end_at: datetime
    status: str
    location: str | None
    sequence: int
    case_id: int | None


class AppointmentIn(BaseModel):
    """A visit to book."""

    brand_id: RowId
    customer_id: RowId
    resource_id: RowId
    kind: str = "visit"
    start_at: datetime
    end_at: datetime
    location: str | None = None
    notes: str = ""
    external_id: str | None = None


class AppointmentMoveIn(BaseModel):
    """Move a visit (optionally to another technician)."""

    start_at: datetime
    end_at: datetime
    resource_id: RowId | None = None


class ResourceOut(BaseModel):
    """A technician and their working hours."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    brand_id: int
    name: str
    kinds: list[str]
    hours: dict[str, list[list[str]]]
    active: bool


class ResourceIn(BaseModel):
    """A technician to add."""

    brand_id: RowId
    name: str
    kinds: list[str] = Field(default_factory=list)
    hours: dict[str, list[list[str]]]
