"""API shape of a city report filed for a brand."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Open311ReportOut(BaseModel):
    """A field report filed (or being filed) with the city."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    brand_id: int
    case_id: int | None
    status: str
    service_code: str | None
    service_name: str | None
    service_request_id: str | None
    token: str | None
    lat: float | None
    long: float | None
    address: str | None
    media_url: str | None
    city_status: str | None
    status_notes: str | None
    reason: str | None
    submitted_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
