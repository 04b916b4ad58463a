"""API shapes of replies and suggested answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from atdesk.domain.ids import MAX_ID, RowId


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
