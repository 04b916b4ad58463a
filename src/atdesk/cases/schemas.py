"""API shapes for cases and posts, kept apart from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from atdesk.domain.cases import CaseStatus, View
from atdesk.domain.ids import MAX_ID, RowId
from atdesk.domain.networks import Network
from atdesk.domain.triage import Intent, Priority, Sentiment

T = TypeVar("T")


class PostOut(BaseModel):
    """A stored post as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    network: str
    native_id: str
    conversation_id: int | None
    case_id: int | None
    brand_id: int | None
    author_handle: str
    text: str
    created_at: datetime
    in_reply_to: str | None
    inbound: bool
    direct: bool
    coordinates: list[float] | None
    filtered_reason: str | None
    intent: str | None
    intent_confidence: float | None
    # The model that gave these labels (None: stored before versions were recorded).
    model_version: str | None = None
    sentiment: str | None
    language: str | None
    spam: bool
    abuse: bool
    pii: bool
    priority: str | None
    entities: dict[str, Any]
    edited_at: datetime | None
    deleted_at: datetime | None
    # Sent by an automation (ADR 74): the rule that sent it, named as it was then (a
    # follow-up answering the customer names the rule that started the exchange, if any).
    automated: bool = False
    automation_rule_id: int | None = None
    automation_rule: str | None = None
    # How the post reached its brand (mention, direct, term, executive, brand_thread; ADR 88)
    # and whether, heard beyond the mentions without asking for help, it opened no case.
    heard_as: str | None = None
    listen_only: bool = False


class RiskReasonOut(BaseModel):
    """One thing that raised a case's risk score, with its points."""

    reason: str
    points: int


class CaseOut(BaseModel):
    """A case as the API shows it, with its clocks."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    brand_id: int
    brand: str
    conversation_id: int
    customer_author_id: int
    customer_handle: str
    customer_id: int | None
    network: str
    status: str
    priority: str
    intent: str | None
    sentiment: str | None
    language: str | None
    subject: str
    assignee_id: int | None
    opened_at: datetime
    first_response_at: datetime | None
    first_response_seconds: int | None
    last_customer_at: datetime | None
    last_agent_at: datetime | None
    resolved_at: datetime | None
    resolution_seconds: int | None
    reopen_count: int
    # Opened by a history ingest (ADR 73): no SLA clock, left out of lists by default.
    history: bool = False
    # The earliest SLA deadline still running (None: no clock, e.g. resolved or history).
    sla_due_at: datetime | None = None
    # Reputation risk (ADR 89): 0-100, its reasons heaviest first, and whether it reaches the
    # brand's threshold (the Escalations queue; public replies then need approval).
    risk_score: int = 0
    risk_reasons: list[RiskReasonOut] = []
    risk_high: bool = False


class Page(BaseModel, Generic[T]):
    """A page of a collection with the total, so clients know when to stop."""

    items: list[T]
    total: int
    limit: int
    offset: int


class CaseUpdate(BaseModel):
    """A change by hand; only the fields given are changed (each one audited)."""

    assignee_id: RowId | None = None
    unassign: bool = False
    priority: str | None = None
    add_tags: list[str] = []
    remove_tags: list[str] = []
    escalated: bool | None = None
    status: str | None = None


class NoteCreate(BaseModel):
    """An internal note."""

    body: str


class CorrectionOut(BaseModel):
    """One triage label an agent corrected: training data for the next model."""

    id: int
    post_id: int
    case_id: int | None
    field: str
    before: str | None
    after: str
    text: str
    created_at: datetime


class SavedViewFilters(BaseModel):
    """The inbox filters a saved view keeps (the inbox's query keys); left out means any."""

    model_config = ConfigDict(extra="forbid")

    view: View = View.ALL
    brand_id: RowId | None = None
    intent: Intent | None = None
    sentiment: Sentiment | None = None
    priority: Priority | None = None
    language: str | None = Field(default=None, max_length=8)
    network: Network | None = None
    tag: str | None = Field(default=None, max_length=64)
    q: str | None = Field(default=None, max_length=200)
    status: CaseStatus | None = None
    spam: bool | None = None
    abuse: bool | None = None


class SavedViewCreate(BaseModel):
    """A new view: a name unique among yours and the filters the inbox would save."""

    model_config = ConfigDict(extra="forbid")

    name: str
    filters: SavedViewFilters = SavedViewFilters()


class SavedViewUpdate(BaseModel):
    """Only the fields sent change; `team_id: null` stops sharing, `position` 0 is first."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    filters: SavedViewFilters | None = None
    position: int | None = Field(default=None, ge=0, le=MAX_ID)
    team_id: RowId | None = None


class SavedViewOut(BaseModel):
    """A saved view as its viewer sees it, with its live count in the viewer's brands."""

    id: int
    name: str
    filters: SavedViewFilters
    mine: bool
    owner_id: int
    team_id: int | None
    team: str | None
    position: int | None = Field(description="your order among your own views; null if shared")
    count: int


class ListeningOut(BaseModel):
    """What a brand hears beyond its @mentions (ADR 88)."""

    brand_id: int
    terms: list[str]
    exclusions: list[str]
    executives: list[str]
    brand_threads: bool


class ListeningUpdate(BaseModel):
    """A change to a brand's listening; only the fields given change (lists replace)."""

    model_config = ConfigDict(extra="forbid")

    terms: list[str] | None = Field(default=None, max_length=200)
    exclusions: list[str] | None = Field(default=None, max_length=200)
    executives: list[str] | None = Field(default=None, max_length=100)
    brand_threads: bool | None = None


class CommunityAnswerOut(BaseModel):
    """Another customer's reply recognised as answering the case's question."""

    id: int
    case_id: int
    brand_id: int
    post_id: int
    question_post_id: int
    author_id: int
    author_handle: str
    network: str
    text: str
    url: str | None
    score: int
    reasons: list[str]
    thanked: bool
    recognised_at: datetime


class AdvocateOut(BaseModel):
    """A community member who answers other customers of a brand, with how often."""

    brand_id: int
    brand: str
    author_id: int
    handle: str
    name: str
    network: str
    followers: int
    answers: int
    thanked: int
    last_answer_at: datetime
