"""API shapes for spike alerts and a brand's spike settings, apart from the tables."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SpikeAlertOut(BaseModel):
    """A spike alert as the API shows it."""

    id: int
    brand_id: int
    brand: str
    series: str
    kind: str
    intent: str | None
    issue_id: int | None
    label: str
    terms: list[str]
    start: datetime
    end: datetime
    detected_at: datetime
    posts: int
    baseline_per_hour: float
    peak_per_hour: float
    severity: str
    status: str
    closed_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class SpikeSettingsOut(BaseModel):
    """A brand's spike settings; the webhook secret only as whether one is set."""

    brand_id: int
    enabled: bool
    min_posts: int
    sensitivity: str
    min_severity: str
    webhook_url: str
    webhook_secret_set: bool


class SpikeSettingsUpdate(BaseModel):
    """A change to a brand's spike settings; only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    min_posts: int | None = None
    sensitivity: str | None = Field(default=None, max_length=16)
    min_severity: str | None = Field(default=None, max_length=16)
    webhook_url: str | None = Field(default=None, max_length=2000)
    webhook_secret: str | None = Field(default=None, max_length=200)
