"""The cases behind a CSAT or NPS number: the cases whose survey answers, given in the period
within the scope, make up that number (all answers, or one group of them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from atdesk.models import CaseFacts, SurveyResponse
from atdesk.reports.cells import survey_query
from atdesk.reports.scope import ReportScope

# metric: (survey kind, lowest score, highest score), the groups CSAT and NPS are made of.
SURVEY_DRILLS: dict[str, tuple[str, int, int]] = {
    "csat": ("csat", 1, 5),
    "csat_satisfied": ("csat", 4, 5),
    "csat_unsatisfied": ("csat", 1, 3),
    "nps": ("nps", 0, 10),
    "nps_promoters": ("nps", 9, 10),
    "nps_passives": ("nps", 7, 8),
    "nps_detractors": ("nps", 0, 6),
}

# The groups of each number, in the order a drill-down page offers them.
SURVEY_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "csat": (
        ("csat", "All answers"),
        ("csat_satisfied", "Satisfied (4-5)"),
        ("csat_unsatisfied", "Unsatisfied (1-3)"),
    ),
    "nps": (
        ("nps", "All answers"),
        ("nps_promoters", "Promoters (9-10)"),
        ("nps_passives", "Passives (7-8)"),
        ("nps_detractors", "Detractors (0-6)"),
    ),
}

# Breakdown dimensions as survey answers are keyed (tally_surveys): the brand answered for,
# else the answered case's keys in its facts.
_FACT_COLUMNS: dict[str, Any] = {
    "team": CaseFacts.team_id,
    "agent": CaseFacts.assignee_id,
    "network": CaseFacts.network,
    "intent": CaseFacts.intent,
    "issue": CaseFacts.issue_id,
}


def survey_drill(
    session: Session,
    scope: ReportScope,
    metric: str,
    key: tuple[str, Any, datetime | None, datetime | None] | None,
    limit: int,
) -> list[int]:
    """Ids of the cases with an answer of this group in the scope (and breakdown row), by id.

    `key` is (dimension, value, start, end): value None for the 'none' row; for a period
    (day/week/month) start and end bound the answering time instead.
    """
    kind, low, high = SURVEY_DRILLS[metric]
    s = SurveyResponse
    query = survey_query(scope, s.case_id).where(
        s.kind == kind, s.score >= low, s.score <= high, s.case_id.is_not(None)
    )
    if key is not None:
        dimension, value, start, end = key
        if start is not None and end is not None:
            query = query.where(s.answered_at >= start, s.answered_at < end)
        else:
            if dimension == "brand":
                column = s.brand_id
            else:
                column = _FACT_COLUMNS[dimension]
                keyed = (scope.team_id, scope.agent_id, scope.network, scope.intent)
                if all(v is None for v in (*keyed, scope.issue_id)):
                    query = query.outerjoin(CaseFacts, CaseFacts.case_id == s.case_id)
            query = query.where(column.is_(None) if value is None else column == value)
    query = query.distinct().order_by(s.case_id).limit(limit)
    return [int(case_id) for case_id in session.scalars(query)]
