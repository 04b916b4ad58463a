"""The lifecycle hook: a survey answer neither reopens a resolved case nor opens a new one,
while any other message after the resolution still reopens it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from atdesk.cases.lifecycle import PostFacts, next_status, timeline
from atdesk.domain.cases import CaseStatus

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _post(post_id: int, minutes: float, *, inbound: bool, survey_answer: bool = False) -> PostFacts:
    return PostFacts(
        id=post_id,
        created_at=T0 + timedelta(minutes=minutes),
        inbound=inbound,
        filtered=False,
        author_id=7 if inbound else 1,
        brand_id=3,
        intent="billing" if inbound else None,
        sentiment="neutral" if inbound else None,
        language="en" if inbound else None,
        priority="normal" if inbound else None,
        text="5 thanks!" if survey_answer else "my bill is wrong",
        network="x",
        survey_answer=survey_answer,
    )


RESOLVED_AT = T0 + timedelta(minutes=30)
CASE = [_post(1, 0, inbound=True), _post(2, 10, inbound=False), _post(3, 40, inbound=False)]


def test_a_survey_answer_after_resolution_keeps_the_case_resolved() -> None:
    t = timeline([*CASE, _post(4, 50, inbound=True, survey_answer=True)])
    assert t is not None
    assert t.inbound_count == 1 and t.last_customer_at == T0
    assert next_status(CaseStatus.RESOLVED, t, RESOLVED_AT) == (CaseStatus.RESOLVED, False)


def test_any_other_message_after_resolution_reopens() -> None:
    t = timeline([*CASE, _post(4, 50, inbound=True)])
    assert t is not None
    assert next_status(CaseStatus.RESOLVED, t, RESOLVED_AT) == (CaseStatus.OPEN, True)


def test_a_conversation_holding_only_a_survey_answer_is_no_case() -> None:
    assert timeline([_post(9, 50, inbound=True, survey_answer=True)]) is None
