"""API shapes for cases and posts, kept apart from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from atdesk.domain.ids import MAX_ID, RowId

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


class ReplyCreate(BaseModel):
    """A reply as the composer sends it; `version` is the case's reply_version you last saw."""

    text: str
    mode: str = "public"
    version: int = Field(ge=-1, le=MAX_ID)
    reply_to_post_id: RowId | None = None
    confirm_pii: bool = False


class ReplyOut(BaseModel):
    """What became of a reply: sent, held, failed or refused, and why."""

    status: str
    message: str
    draft_id: int | None
    post_id: int | None
    network_id: str | None
    findings: list[dict[str, Any]]


class SuggestionOut(BaseModel):
    """A suggested reply as the case page shows it: filled in for this case's customer."""

    model_config = ConfigDict(from_attributes=True)

    text: str
    source_case_id: int
    score: float


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
