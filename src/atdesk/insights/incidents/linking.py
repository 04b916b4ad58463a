"""New cases join open incidents as they arrive: same brand, still open, and a customer post
that contains one of the incident's match terms (or, from an issue, carries its issue)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.cases.service import CaseChange
from atdesk.domain.cases import CaseStatus
from atdesk.insights.incidents.matching import matching_term
from atdesk.insights.incidents.service import ISSUE, MATCHED, OPEN, link_case
from atdesk.models import Case, Incident, IncidentCase
from atdesk.models import Post as PostRow
from atdesk.models.base import utcnow

MATCHER = "incident-matcher"


def link_arrivals(session: Session, changes: Sequence[CaseChange]) -> int:
    """The pipeline's after-route hook: link this batch's open cases to matching incidents.

    One read when no incident is open (the usual batch); returns how many links were made.
    """
    case_ids = sorted({c.case_id for c in changes})
    if not case_ids:
        return 0
    incidents = session.scalars(
        select(Incident).where(Incident.status == OPEN).order_by(Incident.id)
    ).all()
    by_brand: dict[int, list[Incident]] = defaultdict(list)
    for incident in incidents:
        if incident.match_terms or incident.issue_id is not None:
            by_brand[incident.brand_id].append(incident)
    if not by_brand:
        return 0
    cases = session.scalars(
        select(Case).where(
            Case.id.in_(case_ids),
            Case.brand_id.in_(sorted(by_brand)),
            Case.status != CaseStatus.RESOLVED.value,
            Case.history.is_(False),
        )
    ).all()
    if not cases:
        return 0
    texts: dict[int, list[str]] = defaultdict(list)
    issues: dict[int, set[int]] = defaultdict(set)
    for case_id, text, issue_id in session.execute(
        select(PostRow.case_id, PostRow.text, PostRow.issue_id).where(
            PostRow.case_id.in_([c.id for c in cases]),
            PostRow.inbound.is_(True),
            PostRow.filtered_reason.is_(None),
        )
    ):
        if case_id is not None:
            texts[case_id].append(text)
            if issue_id is not None:
                issues[case_id].add(issue_id)
    linked_pairs = set(
        session.execute(
            select(IncidentCase.incident_id, IncidentCase.case_id).where(
                IncidentCase.case_id.in_([c.id for c in cases])
            )
        )
    )
    now = utcnow()
    made = 0
    for case in cases:
        for incident in by_brand[case.brand_id]:
            if (incident.id, case.id) in linked_pairs:
                continue
            if incident.issue_id is not None and incident.issue_id in issues[case.id]:
                how = ISSUE
            elif any(matching_term(t, incident.match_terms) for t in texts[case.id]):
                how = MATCHED
            else:
                continue
            made += link_case(session, incident, case, how=how, actor=MATCHER, now=now)
    if made:
        session.flush()
    return made
