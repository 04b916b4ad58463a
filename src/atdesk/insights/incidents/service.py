"""Making, linking and closing incidents; every change audited in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.audit import service as audit
from atdesk.cases.actions import resolve_case
from atdesk.domain.cases import CaseStatus, Role
from atdesk.domain.errors import AppError, Conflict, NotFound
from atdesk.insights.incidents.matching import normalise_terms
from atdesk.insights.issues.queries import issue_snapshot
from atdesk.models import Case, Incident, IncidentCase, User

OPEN = "open"
CLOSED = "closed"
MANUAL = "manual"
ISSUE = "issue"
MATCHED = "matched"
MAX_TITLE = 200
MAX_CASES = 1000
LEADS = (Role.SUPERVISOR.value, Role.ADMIN.value)
ENTITY = "incident"


class IncidentError(AppError):
    """An incident step that cannot be taken as asked, with what to do instead (422)."""


class LeadsOnly(AppError):
    """Agents see incidents; making, updating and closing them is for supervisors and admins."""

    status = 403


@dataclass(frozen=True, slots=True)
class IssueRef:
    """What an emerging issue gives an incident: its brand, words and cases."""

    id: int
    brand_id: int
    label: str
    terms: Sequence[str]
    case_ids: Sequence[int]


def issue_ref(session: Session, issue_id: int, brand_ids: frozenset[int] | None) -> IssueRef:
    """The emerging issue as it stands now, if the viewer may see it (404 otherwise)."""
    snapshot = issue_snapshot(session, issue_id, brand_ids)
    if snapshot is None:
        raise NotFound(f"no issue {issue_id} in your brands")
    return IssueRef(
        snapshot.id, snapshot.brand_id, snapshot.label, snapshot.terms, snapshot.case_ids
    )


def check_lead(user: User) -> None:
    """Supervisors and admins run incidents; agents see them."""
    if user.role not in LEADS:
        raise LeadsOnly("only supervisors and admins can make, update or close incidents")


def _title(raw: str, fallback: str) -> str:
    title = " ".join((raw or fallback).split())
    if not title:
        raise IncidentError("give the incident a title (what customers are seeing)")
    if len(title) > MAX_TITLE:
        raise IncidentError(f"the title is {len(title)} characters; keep it under {MAX_TITLE}")
    return title


def visible_cases_of_one_brand(
    session: Session, ids: Iterable[int], brand_ids: frozenset[int] | None
) -> list[Case]:
    """The cases named, all visible and of one brand; a clear refusal otherwise."""
    wanted = sorted(set(ids))
    if not wanted:
        raise IncidentError("pick at least one case")
    if len(wanted) > MAX_CASES:
        raise IncidentError(f"{len(wanted)} cases; an incident starts with at most {MAX_CASES}")
    found = list(
        session.scalars(
            restrict(select(Case).where(Case.id.in_(wanted)), brand_ids).order_by(Case.id)
        )
    )
    missing = sorted(set(wanted) - {c.id for c in found})
    if missing:  # the brand wall: another brand's case answers as a missing one (404)
        raise NotFound(f"no case {missing[0]} in your brands")
    brands = sorted({c.brand.name for c in found})
    if len(brands) > 1:
        raise IncidentError(
            f"the cases belong to {', '.join(brands)}; an incident covers one brand, "
            "so make one per brand"
        )
    return found


def link_case(
    session: Session, incident: Incident, case: Case, *, how: str, actor: User | str, now: datetime
) -> bool:
    """Link a case once (a second link changes nothing); audited on the case."""
    if case.brand_id != incident.brand_id:
        raise IncidentError(f"case {case.id} belongs to another brand than this incident")
    exists = session.scalar(
        select(IncidentCase.id).where(
            IncidentCase.incident_id == incident.id, IncidentCase.case_id == case.id
        )
    )
    if exists is not None:
        return False
    session.add(IncidentCase(incident_id=incident.id, case_id=case.id, how=how, linked_at=now))
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action="incident.linked",
        actor=actor,
        after={"incident_id": incident.id, "title": incident.title, "how": how},
    )
    return True


def _create(
    session: Session,
    *,
    brand_id: int,
    title: str,
    terms: list[str],
    issue_id: int | None,
    cases: Sequence[Case],
    how: str,
    actor: User,
    now: datetime,
) -> Incident:
    incident = Incident(
        brand_id=brand_id,
        title=title,
        status=OPEN,
        match_terms=terms,
        issue_id=issue_id,
        created_by_user_id=actor.id,
        created_at=now,
    )
    session.add(incident)
    session.flush()
    for case in cases:
        link_case(session, incident, case, how=how, actor=actor, now=now)
    audit.record(
        session,
        entity_type=ENTITY,
        entity_id=incident.id,
        action="incident.created",
        actor=actor,
        after={
            "brand_id": brand_id,
            "title": title,
            "match_terms": terms,
            "issue_id": issue_id,
            "case_ids": [c.id for c in cases],
        },
    )
    session.flush()
    return incident


def create_from_cases(
    session: Session,
    *,
    case_ids: Iterable[int],
    title: str,
    terms: Iterable[str] = (),
    brand_ids: frozenset[int] | None,
    actor: User,
    now: datetime,
) -> Incident:
    """An incident over cases the viewer picked (one brand); later matching cases join it."""
    check_lead(actor)
    cases = visible_cases_of_one_brand(session, case_ids, brand_ids)
    return _create(
        session,
        brand_id=cases[0].brand_id,
        title=_title(title, ""),
        terms=normalise_terms(terms),
        issue_id=None,
        cases=cases,
        how=MANUAL,
        actor=actor,
        now=now,
    )


def create_from_issue(
    session: Session,
    *,
    issue: IssueRef,
    title: str = "",
    terms: Iterable[str] | None = None,
    brand_ids: frozenset[int] | None,
    actor: User,
    now: datetime,
) -> Incident:
    """An incident over an emerging issue's cases, matching its words and its later posts."""
    check_lead(actor)
    if brand_ids is not None and issue.brand_id not in brand_ids:
        raise NotFound(f"no issue {issue.id} in your brands")
    taken = session.scalar(
        select(Incident.id).where(Incident.issue_id == issue.id, Incident.status == OPEN)
    )
    if taken is not None:
        raise Conflict(f"issue {issue.id} already has open incident {taken}; post updates there")
    cases = list(
        session.scalars(
            select(Case)
            .where(
                Case.id.in_(sorted(set(issue.case_ids)) or [-1]), Case.brand_id == issue.brand_id
            )
            .order_by(Case.id)
            .limit(MAX_CASES)
        )
    )
    return _create(
        session,
        brand_id=issue.brand_id,
        title=_title(title, issue.label),
        terms=normalise_terms(issue.terms if terms is None else terms),
        issue_id=issue.id,
        cases=cases,
        how=ISSUE,
        actor=actor,
        now=now,
    )


def add_cases(
    session: Session,
    incident: Incident,
    *,
    case_ids: Iterable[int],
    brand_ids: frozenset[int] | None,
    actor: User,
    now: datetime,
) -> int:
    """Link more cases by hand; returns how many were new to the incident."""
    check_lead(actor)
    if incident.status != OPEN:
        raise IncidentError("this incident is closed; make a new one for new cases")
    cases = visible_cases_of_one_brand(session, case_ids, brand_ids)
    linked = sum(link_case(session, incident, c, how=MANUAL, actor=actor, now=now) for c in cases)
    session.flush()
    return linked


def close_incident(session: Session, incident: Incident, *, actor: User, now: datetime) -> int:
    """Close it and resolve each linked case still open, through the normal resolve path (so
    the surveys follow); returns how many cases were resolved."""
    check_lead(actor)
    if incident.status == CLOSED:
        raise Conflict(f"incident {incident.id} is already closed")
    cases = session.scalars(
        select(Case)
        .join(IncidentCase, IncidentCase.case_id == Case.id)
        .where(
            IncidentCase.incident_id == incident.id,
            Case.status != CaseStatus.RESOLVED.value,
        )
        .order_by(Case.id)
    ).all()
    resolved = sum(resolve_case(session, case, actor=actor) for case in cases)
    incident.status = CLOSED
    incident.closed_at = now
    incident.closed_by_user_id = actor.id
    audit.record(
        session,
        entity_type=ENTITY,
        entity_id=incident.id,
        action="incident.closed",
        actor=actor,
        before={"status": OPEN},
        after={"status": CLOSED, "resolved_case_ids": [c.id for c in cases]},
    )
    session.flush()
    return resolved
