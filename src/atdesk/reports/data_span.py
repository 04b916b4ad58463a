"""When a viewer's report data begins and ends, so an empty period can point at where the data
is (a twcs replay's history is from 2017; a new brand has only last week)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.models import CaseFacts

# The period a hint proposes: the last this-many days that have data.
HINT_DAYS = 90


@dataclass(frozen=True, slots=True)
class DataSpan:
    """The first and last day a case opened on, in the viewer's brands."""

    first: date
    last: date

    def hint(self) -> tuple[date, date]:
        """The last HINT_DAYS days with data (or all of it when there is less)."""
        return max(self.first, self.last - timedelta(days=HINT_DAYS - 1)), self.last


def data_span(session: Session, brand_ids: frozenset[int] | None) -> DataSpan | None:
    """The span of the viewer's report data, None when they have none at all."""
    query = restrict(
        select(func.min(CaseFacts.opened_at), func.max(CaseFacts.opened_at)),
        brand_ids,
        CaseFacts.brand_id,
    )
    span = cast("tuple[datetime | None, datetime | None]", tuple(session.execute(query).one()))
    first, last = span
    if first is None or last is None:
        return None
    return DataSpan(first.date(), last.date())
