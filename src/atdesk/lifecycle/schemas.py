"""API shapes of the data lifecycle: retention settings and the answer to an erasure."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from atdesk.lifecycle.erase import Erasure
from atdesk.lifecycle.settings import RetentionSettings


class RetentionOut(BaseModel):
    """A brand's retention: days (null: kept for ever) and mode, with what is due now."""

    brand_id: int
    days: int | None
    mode: str
    due_cases: int
    due_posts: int

    @classmethod
    def of(cls, brand_id: int, settings: RetentionSettings, due: tuple[int, int]) -> RetentionOut:
        """The API view of stored settings and the backlog they leave."""
        return cls(
            brand_id=brand_id,
            days=settings.days,
            mode=settings.mode.value,
            due_cases=due[0],
            due_posts=due[1],
        )


class RetentionUpdate(BaseModel):
    """A change to a brand's retention; only the fields given change (days null: off)."""

    model_config = ConfigDict(extra="forbid")

    days: int | str | None = None
    mode: str | None = None


class ErasureOut(BaseModel):
    """What an erasure removed, by kind; the data itself is gone."""

    customer_id: int
    erased: bool = True
    removed: dict[str, int]

    @classmethod
    def of(cls, erasure: Erasure) -> ErasureOut:
        """The API view of an erasure."""
        return cls(customer_id=erasure.customer_id, removed=erasure.removed)
