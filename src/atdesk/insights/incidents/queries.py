"""Reading incidents for pages and the API, always within the viewer's brands."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.domain.errors import NotFound
from atdesk.models import Case, Incident, IncidentCase, IncidentDelivery, IncidentUpdate, User


@dataclass(frozen=True, slots=True)
class LinkedCase:
    """A case of the incident and how it came to be linked."""

    case: Case
    how: str
    linked_at: object


@dataclass(slots=True)
class UpdateView:
    """An update with each recipient's delivery and the count per state."""

    update: IncidentUpdate
    author: User | None
    reviewer: User | None
    deliveries: list[IncidentDelivery] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """How many deliveries are in each state (sent, queued, failed, ...)."""
        return dict(Counter(d.status for d in self.deliveries))


def visible_incident(
    session: Session, brand_ids: frozenset[int] | None, incident_id: int
) -> Incident:
    """The incident, if the viewer may see its brand; otherwise the same 404 as a missing one."""
    incident = session.scalar(
        restrict(select(Incident).where(Incident.id == incident_id), brand_ids, Incident.brand_id)
    )
    if incident is None:
        raise NotFound(f"no incident {incident_id} in your brands")
    return incident


def visible_update(
    session: Session, brand_ids: frozenset[int] | None, update_id: int
) -> IncidentUpdate:
    """An update of an incident the viewer may see, else 404."""
    update = session.get(IncidentUpdate, update_id)
    if update is None:
        raise NotFound(f"no incident update {update_id} in your brands")
    visible_incident(session, brand_ids, update.incident_id)
    return update


def incidents(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Incident], int]:
    """The viewer's incidents, newest first, and how many there are in all."""
    query = restrict(select(Incident), brand_ids, Incident.brand_id)
    if status:
        query = query.where(Incident.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Incident.created_at.desc(), Incident.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def case_counts(session: Session, incident_ids: Sequence[int]) -> dict[int, int]:
    """Linked cases per incident."""
    if not incident_ids:
        return {}
    rows = session.execute(
        select(IncidentCase.incident_id, func.count())
        .where(IncidentCase.incident_id.in_(list(incident_ids)))
        .group_by(IncidentCase.incident_id)
    )
    return dict(rows.all())


def linked_cases(session: Session, incident_id: int) -> list[LinkedCase]:
    """The incident's cases, most recently linked first."""
    rows = session.execute(
        select(Case, IncidentCase.how, IncidentCase.linked_at)
        .join(IncidentCase, IncidentCase.case_id == Case.id)
        .where(IncidentCase.incident_id == incident_id)
        .order_by(IncidentCase.linked_at.desc(), Case.id.desc())
    )
    return [LinkedCase(case, how, at) for case, how, at in rows]


def updates(session: Session, incident_id: int) -> list[UpdateView]:
    """The incident's updates, newest first, each with its deliveries."""
    rows = session.scalars(
        select(IncidentUpdate)
        .where(IncidentUpdate.incident_id == incident_id)
        .order_by(IncidentUpdate.created_at.desc(), IncidentUpdate.id.desc())
    ).all()
    if not rows:
        return []
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(
                User.id.in_(
                    {r.created_by_user_id for r in rows}
                    | {r.reviewer_user_id for r in rows if r.reviewer_user_id}
                )
            )
        )
    }
    views = {
        r.id: UpdateView(
            r,
            users.get(r.created_by_user_id),
            users.get(r.reviewer_user_id) if r.reviewer_user_id else None,
        )
        for r in rows
    }
    for delivery in session.scalars(
        select(IncidentDelivery)
        .where(IncidentDelivery.update_id.in_(list(views)))
        .order_by(IncidentDelivery.id)
    ):
        views[delivery.update_id].deliveries.append(delivery)
    return [views[r.id] for r in rows]


def incidents_of_case(session: Session, case_id: int) -> list[Incident]:
    """The incidents a case is linked to (same brand as the case, so as visible as it)."""
    return list(
        session.scalars(
            select(Incident)
            .join(IncidentCase, IncidentCase.incident_id == Incident.id)
            .where(IncidentCase.case_id == case_id)
            .order_by(Incident.created_at.desc(), Incident.id.desc())
        )
    )


def pending_updates(session: Session, brand_ids: frozenset[int] | None) -> list[IncidentUpdate]:
    """Updates waiting for a second supervisor, oldest first, in the viewer's brands."""
    query = (
        select(IncidentUpdate)
        .join(Incident, Incident.id == IncidentUpdate.incident_id)
        .where(IncidentUpdate.status == "pending")
        .order_by(IncidentUpdate.created_at, IncidentUpdate.id)
    )
    return list(session.scalars(restrict(query, brand_ids, Incident.brand_id)))


def check_visible(
    session: Session, brand_ids: frozenset[int] | None, case_ids: Sequence[int]
) -> None:
    """Every named case is the viewer's; the first that is not answers 404."""
    query = select(Case.id).where(Case.id.in_(list(case_ids)))
    seen = set(session.scalars(restrict(query, brand_ids)))
    missing = sorted(set(case_ids) - seen)
    if missing:
        raise NotFound(f"no case {missing[0]} in your brands")
