"""REST API for incidents: list and make them, read one, post updates, approve, close."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from atdesk.accounts.deps import ApiViewer
from atdesk.cases.schemas import Page
from atdesk.domain.ids import Offset, RowId
from atdesk.insights.incidents import queries
from atdesk.insights.incidents.schemas import (
    CloseOut,
    DeliveryOut,
    IncidentCreate,
    IncidentDetailOut,
    IncidentOut,
    LinkedCaseOut,
    UpdateCreate,
    UpdateDecision,
    UpdateOut,
)
from atdesk.insights.incidents.service import (
    close_incident,
    create_from_cases,
    create_from_issue,
    issue_ref,
)
from atdesk.insights.incidents.updates import approve_update, post_update, reject_update
from atdesk.models import Incident
from atdesk.ui.deps import DbSession, Now

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])

Limit = Annotated[int, Query(ge=1, le=200)]
Status = Annotated[str | None, Query(pattern="^(open|closed)$")]


def incident_out(incident: Incident, case_count: int) -> IncidentOut:
    """The list view of an incident."""
    return IncidentOut(
        id=incident.id,
        brand_id=incident.brand_id,
        title=incident.title,
        status=incident.status,
        match_terms=list(incident.match_terms or []),
        issue_id=incident.issue_id,
        created_by_user_id=incident.created_by_user_id,
        created_at=incident.created_at,
        closed_at=incident.closed_at,
        closed_by_user_id=incident.closed_by_user_id,
        case_count=case_count,
    )


def update_out(view: queries.UpdateView) -> UpdateOut:
    """An update with its deliveries."""
    u = view.update
    return UpdateOut(
        id=u.id,
        incident_id=u.incident_id,
        text=u.text,
        visibility=u.visibility,
        status=u.status,
        created_by=view.author.username if view.author else "",
        created_at=u.created_at,
        reviewed_by=view.reviewer.username if view.reviewer else None,
        decided_at=u.decided_at,
        review_note=u.review_note,
        counts=view.counts,
        deliveries=[
            DeliveryOut(
                id=d.id,
                case_id=d.case_id,
                recipient=d.recipient,
                mode=d.mode,
                text=d.text,
                status=d.status,
                error=d.error,
                sent_post_id=d.sent_post_id,
                sent_at=d.sent_at,
            )
            for d in view.deliveries
        ],
    )


def detail_out(session: Session, incident: Incident) -> IncidentDetailOut:
    """An incident with its cases and updates."""
    cases = queries.linked_cases(session, incident.id)
    base = incident_out(incident, len(cases))
    return IncidentDetailOut(
        **base.model_dump(),
        cases=[
            LinkedCaseOut(
                case_id=lc.case.id,
                status=lc.case.status,
                customer_handle=lc.case.customer_author.handle,
                network=lc.case.network,
                how=lc.how,
                linked_at=lc.linked_at,
            )
            for lc in cases
        ],
        updates=[update_out(v) for v in queries.updates(session, incident.id)],
    )


@router.get("")
def list_incidents(
    session: DbSession,
    viewer: ApiViewer,
    status: Status = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[IncidentOut]:
    """The viewer's incidents, newest first."""
    rows, total = queries.incidents(
        session, viewer.brand_ids, status=status, limit=limit, offset=offset
    )
    counts = queries.case_counts(session, [r.id for r in rows])
    return Page(
        items=[incident_out(r, counts.get(r.id, 0)) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create_incident(
    body: IncidentCreate, session: DbSession, viewer: ApiViewer, now: Now
) -> IncidentDetailOut:
    """Make an incident from cases or from an emerging issue (supervisors and admins)."""
    if body.issue_id is not None:
        incident = create_from_issue(
            session,
            issue=issue_ref(session, body.issue_id, viewer.brand_ids),
            title=body.title,
            terms=body.match_terms,
            brand_ids=viewer.brand_ids,
            actor=viewer.user,
            now=now,
        )
    else:
        incident = create_from_cases(
            session,
            case_ids=body.case_ids or [],
            title=body.title,
            terms=body.match_terms or [],
            brand_ids=viewer.brand_ids,
            actor=viewer.user,
            now=now,
        )
    return detail_out(session, incident)


@router.get("/{incident_id}")
def get_incident(incident_id: RowId, session: DbSession, viewer: ApiViewer) -> IncidentDetailOut:
    """One incident with its cases and every update's per-customer delivery state."""
    return detail_out(session, queries.visible_incident(session, viewer.brand_ids, incident_id))


@router.post("/{incident_id}/updates", status_code=status.HTTP_201_CREATED)
def create_update(
    incident_id: RowId, body: UpdateCreate, session: DbSession, viewer: ApiViewer, now: Now
) -> UpdateOut:
    """Post an update to every affected customer (held when the brand asks for approval)."""
    incident = queries.visible_incident(session, viewer.brand_ids, incident_id)
    update = post_update(
        session, incident, text=body.text, visibility=body.visibility, actor=viewer.user, now=now
    )
    return next(update_out(v) for v in queries.updates(session, incident.id) if v.update is update)


@router.post("/updates/{update_id}/approve")
def approve(update_id: RowId, session: DbSession, viewer: ApiViewer, now: Now) -> UpdateOut:
    """A second supervisor or admin sends a held update out."""
    update = queries.visible_update(session, viewer.brand_ids, update_id)
    approve_update(session, update, reviewer=viewer.user, now=now)
    return next(
        update_out(v) for v in queries.updates(session, update.incident_id) if v.update is update
    )


@router.post("/updates/{update_id}/reject")
def reject(
    update_id: RowId, body: UpdateDecision, session: DbSession, viewer: ApiViewer, now: Now
) -> UpdateOut:
    """Send a held update back with a note; nothing goes out."""
    update = queries.visible_update(session, viewer.brand_ids, update_id)
    reject_update(session, update, reviewer=viewer.user, note=body.note, now=now)
    return next(
        update_out(v) for v in queries.updates(session, update.incident_id) if v.update is update
    )


@router.post("/{incident_id}/close")
def close(incident_id: RowId, session: DbSession, viewer: ApiViewer, now: Now) -> CloseOut:
    """Close the incident and resolve its open cases (their surveys follow)."""
    incident = queries.visible_incident(session, viewer.brand_ids, incident_id)
    resolved = close_incident(session, incident, actor=viewer.user, now=now)
    return CloseOut(incident=detail_out(session, incident), resolved_cases=resolved)
