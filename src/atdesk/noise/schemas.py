"""API shapes for block lists and the review list of filtered posts, apart from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class BlockEntryOut(BaseModel):
    """One entry of a brand's block list, with who added it and when."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    brand_id: int
    kind: str
    value: str
    note: str
    created_by: str
    created_at: datetime


class BlockEntryIn(BaseModel):
    """A new entry: a handle (`user`), a word or phrase (`keyword`) or a pattern (`regex`)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["user", "keyword", "regex"]
    value: str = Field(min_length=1, max_length=400)
    note: str = Field(default="", max_length=300)


class FilteredPostOut(BaseModel):
    """A post in the review list: why it is there, and its case once it has one."""

    id: int
    brand_id: int | None
    brand: str | None
    network: str
    native_id: str
    author_handle: str
    text: str
    created_at: datetime
    reason: str
    filtered_reason: str | None
    spam: bool
    abuse: bool
    case_id: int | None
    restorable: bool


class RestoreOut(BaseModel):
    """What a restore did: the post's case and its event, or nothing when already restored."""

    post_id: int
    case_id: int | None
    event: str | None
    changed: bool
