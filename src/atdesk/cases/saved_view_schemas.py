"""API shapes for saved views, apart from cases' own because they name the inbox's views."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from atdesk.cases.queries import View
from atdesk.domain.cases import CaseStatus
from atdesk.domain.ids import MAX_ID, RowId
from atdesk.domain.networks import Network
from atdesk.domain.triage import Intent, Priority, Sentiment


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
