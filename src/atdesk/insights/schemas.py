"""API shapes of insights: emerging issues in lists and in full."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class HourOut(BaseModel):
    """Posts of the issue created in one UTC hour."""

    hour: datetime
    posts: int


class IssueOut(BaseModel):
    """An emerging issue: its readable label, top terms, size, first and last post."""

    id: int
    brand_id: int
    brand: str
    label: str
    terms: list[str]
    status: str
    origin: str
    posts: int
    first_seen: datetime
    last_seen: datetime
    hours: list[HourOut]


class CountOut(BaseModel):
    """A name and how many of the issue's posts carry it."""

    name: str
    posts: int


class DayOut(BaseModel):
    """Posts of the issue created on one UTC day."""

    day: date
    posts: int


class ExampleOut(BaseModel):
    """One of the issue's newest posts and the case it belongs to."""

    id: int
    case_id: int | None
    network: str
    text: str
    created_at: datetime
    intent: str | None


class IssueDetailOut(IssueOut):
    """The issue with example posts, brands, places, intents and its volume by day."""

    examples: list[ExampleOut]
    brands: list[CountOut]
    places: list[CountOut]
    intents: list[CountOut]
    days: list[DayOut]
