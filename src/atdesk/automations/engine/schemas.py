"""API shapes for automation rules: the rule, a dry run over past posts, YAML import."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
