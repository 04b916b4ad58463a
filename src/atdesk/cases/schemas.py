"""API shapes for cases and posts, kept apart from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

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
    sentiment: str | None
    language: str | None
    spam: bool
    abuse: bool
    pii: bool
    priority: str | None
    entities: dict[str, Any]
    edited_at: datetime | None
    deleted_at: datetime | None


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


class Page(BaseModel, Generic[T]):
    """A page of a collection with the total, so clients know when to stop."""

    items: list[T]
    total: int
    limit: int
    offset: int
