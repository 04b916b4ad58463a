"""API shapes of incidents, apart from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from atdesk.domain.ids import RowId

Term = Annotated[str, Field(max_length=80)]


class IncidentCreate(BaseModel):
    """Make an incident from cases (`case_ids`) or from an emerging issue (`issue_id`)."""

    case_ids: list[RowId] | None = Field(default=None, max_length=1000)
    issue_id: RowId | None = None
    title: str = Field(default="", max_length=200)
    match_terms: list[Term] | None = Field(
        default=None,
        max_length=20,
        description="phrases a new case's posts must contain to join; from an issue: its terms",
    )

    @model_validator(mode="after")
    def one_source(self) -> IncidentCreate:
        """Exactly one of case_ids and issue_id."""
        if (self.case_ids is None) == (self.issue_id is None):
            raise ValueError("give either case_ids or issue_id")
        return self


class UpdateCreate(BaseModel):
    """An update for every affected customer; {first_name} and the other macro variables work."""

    text: str = Field(min_length=1, max_length=2000)
    visibility: Literal["public", "private"] = "public"


class UpdateDecision(BaseModel):
    """A second supervisor's answer to a held update; a rejection needs a note."""

    note: str = Field(default="", max_length=2000)


class LinkedCaseOut(BaseModel):
    """A case of the incident and how it was linked (manual, issue or matched)."""

    case_id: int
    status: str
    customer_handle: str
    network: str
    how: str
    linked_at: datetime


class DeliveryOut(BaseModel):
    """One customer's copy of an update and where it stands."""

    id: int
    case_id: int
    recipient: str
    mode: str
    text: str
    status: str
    error: str | None
    sent_post_id: int | None
    sent_at: datetime | None


class UpdateOut(BaseModel):
    """An update: pending approval, rejected, or sent out (with its deliveries)."""

    id: int
    incident_id: int
    text: str
    visibility: str
    status: str
    created_by: str
    created_at: datetime
    reviewed_by: str | None
    decided_at: datetime | None
    review_note: str
    counts: dict[str, int]
    deliveries: list[DeliveryOut]


class IncidentOut(BaseModel):
    """An incident in a list."""

    id: int
    brand_id: int
    title: str
    status: str
    match_terms: list[str]
    issue_id: int | None
    created_by_user_id: int
    created_at: datetime
    closed_at: datetime | None
    closed_by_user_id: int | None
    case_count: int


class IncidentDetailOut(IncidentOut):
    """An incident with its cases and updates."""

    cases: list[LinkedCaseOut]
    updates: list[UpdateOut]


class CloseOut(BaseModel):
    """A closed incident and how many of its cases closing resolved."""

    incident: IncidentDetailOut
    resolved_cases: int
