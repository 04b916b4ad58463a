"""API shapes for rules, callbacks, appointments, the knowledge base, city reports and jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from atdesk.domain.ids import RowId


class RuleOut(BaseModel):
    """A stored rule: its place in the order, and the rule as written."""

    id: int
    brand_id: int
    position: int
    name: str
    enabled: bool
    stop: bool
    # As written (None: the default); the floor is what the rule needs now (None: it does not
    # read the intent, so confidence never holds it).
    min_confidence: float | None
    confidence_floor: float | None
    when: dict[str, Any]
    then: list[dict[str, Any]]
    default_key: str | None
    updated_at: datetime


class RuleIn(BaseModel):
    """A rule to create or replace (same shape as one entry of the YAML file)."""

    name: str
    enabled: bool = True
    stop: bool = False
    min_confidence: float | None = None
    when: dict[str, Any] = Field(default_factory=dict)
    then: list[dict[str, Any]]


class DryRunIn(RuleIn):
    """A rule to try on the brand's last posts before saving it."""

    limit: int = Field(default=50, ge=1, le=500)


class DryRunRowOut(BaseModel):
    """One recent post and what the rule would have done with it."""

    model_config = ConfigDict(from_attributes=True)

    post_id: int
    case_id: int | None
    created_at: datetime
    author: str
    text: str
    intent: str | None
    intent_confidence: float | None
    matched: bool
    failed: str | None
    would: list[str]
    already_acted: bool


class RulesImportIn(BaseModel):
    """A whole rules file (YAML) for one brand."""

    yaml: str


class RulesImportOut(BaseModel):
    """What an import changed."""

    created: int
    updated: int
    deleted: int


class CustomerRef(BaseModel):
    """Who a callback or visit is for (contact data is on /api/v1/customers)."""

    id: int
    name: str


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


class ArticleOut(BaseModel):
    """A knowledge-base article."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    brand_id: int
    title: str
    body: str
    questions: str
    enabled: bool
    updated_at: datetime


class ArticleIn(BaseModel):
    """An article to create or replace."""

    brand_id: RowId
    title: str
    body: str
    questions: str = ""
    enabled: bool = True


class BotStatsOut(BaseModel):
    """How the bot did."""

    cases: int
    answered: int
    handed_off: int
    resolved_without_human: int
    share_without_human: float


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
