"""API shapes for knowledge-base articles and the bot's numbers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from atdesk.domain.ids import RowId


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
