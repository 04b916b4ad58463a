"""Admin lists a page at a time with a search box, so a replay's hundred brands stay usable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from atdesk.domain.ids import parse_page

PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a list, the search that made it, and links to its neighbours."""

    items: list[Any]
    total: int
    page: int
    q: str
    per_page: int = PER_PAGE
    # Other query keys the list keeps in its links (a filter such as kind=replay).
    keep: Mapping[str, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))

    def link(self, page: int | None = None, **changes: str) -> str:
        """The query string of this list at another page or with other values."""
        values: dict[str, Any] = {**self.keep, "q": self.q, "page": page or self.page}
        values.update(changes)
        if values.get("page") == 1:
            values["page"] = None
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def listing_params(request: Request) -> tuple[str, int]:
    """The search words and page number of a list page (bad page numbers mean the first)."""
    q = (request.query_params.get("q") or "").strip()[:120]
    return q, parse_page(request.query_params.get("page"))


def name_matches(q: str, *columns: InstrumentedAttribute[str]) -> ColumnElement[bool] | None:
    """Case-insensitive 'contains' on any of these columns (None: no search), wildcards escaped."""
    if not q:
        return None
    return or_(*(func.lower(c).contains(q.lower(), autoescape=True) for c in columns))


def count_rows(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    """How many rows a query gives (its order dropped: counting needs none)."""
    return int(
        session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )


def paginate(
    session: Session,
    query: Select[*tuple[Any, ...]],
    *,
    q: str,
    page: int,
    per_page: int = PER_PAGE,
    keep: Mapping[str, str] | None = None,
) -> Listing:
    """Count the query's rows and fetch one page of them; a page past the end shows the last.

    A query of one entity gives the entities, a wider one gives rows.
    """
    total = count_rows(session, query)
    page = min(page, max(1, -(-total // per_page)))
    paged = query.limit(per_page).offset((page - 1) * per_page)
    items: list[Any] = (
        list(session.scalars(paged))
        if len(query.column_descriptions) == 1
        else list(session.execute(paged).all())
    )
    return Listing(items, total, page, q, per_page, dict(keep or {}))
