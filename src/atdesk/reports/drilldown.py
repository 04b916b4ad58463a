"""The cases behind a reports number: one page of them for the drill-down list, or all of them
for its CSV file, always within the viewer's brands (the ids come from the metrics engine,
and the wall is checked again here so a wrong id can never show another brand's case)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.models import Brand, Case, User
from atdesk.ui.paging import PER_PAGE, Listing

# Ids per query: below SQLite's limit on bound parameters, few round trips on PostgreSQL.
ID_CHUNK = 900


@dataclass(frozen=True, slots=True)
class CaseLine:
    """One case of a drill-down, with what the list and its CSV show."""

    id: int
    brand: str
    network: str
    status: str
    intent: str | None
    subject: str
    assignee: str | None
    opened_at: datetime
    first_response_seconds: int | None
    resolved_at: datetime | None
    resolution_seconds: int | None


def case_listing(
    session: Session,
    case_ids: Sequence[int],
    brand_ids: frozenset[int] | None,
    *,
    page: int,
    keep: Mapping[str, str],
    per_page: int = PER_PAGE,
) -> Listing:
    """One page of these cases, newest first; a page past the end shows the last."""
    ordered = sorted(set(case_ids), reverse=True)
    total = len(ordered)
    page = min(max(1, page), max(1, -(-total // per_page)))
    chunk = ordered[(page - 1) * per_page : page * per_page]
    items = list(_lines(session, chunk, brand_ids))
    return Listing(items, total, page, "", per_page, dict(keep))


def all_lines(
    session: Session, case_ids: Sequence[int], brand_ids: frozenset[int] | None
) -> Iterator[CaseLine]:
    """Every one of these cases, newest first, read a chunk at a time (for the CSV file)."""
    ordered = sorted(set(case_ids), reverse=True)
    for start in range(0, len(ordered), ID_CHUNK):
        yield from _lines(session, ordered[start : start + ID_CHUNK], brand_ids)


def _lines(
    session: Session, ids: Sequence[int], brand_ids: frozenset[int] | None
) -> Iterator[CaseLine]:
    if not ids:
        return
    query = (
        select(Case, Brand.name, User.display_name, User.username)
        .join(Brand, Brand.id == Case.brand_id)
        .outerjoin(User, User.id == Case.assignee_id)
        .where(Case.id.in_(ids))
    )
    found = {
        case.id: CaseLine(
            id=case.id,
            brand=brand,
            network=case.network,
            status=case.status,
            intent=case.intent,
            subject=case.subject,
            assignee=(shown or username) if username else None,
            opened_at=case.opened_at,
            first_response_seconds=case.first_response_seconds,
            resolved_at=case.resolved_at,
            resolution_seconds=case.resolution_seconds,
        )
        for case, brand, shown, username in session.execute(restrict(query, brand_ids)).all()
    }
    for case_id in ids:
        if case_id in found:
            yield found[case_id]
