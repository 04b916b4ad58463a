"""Closing the loop after an unhappy answer: "what could we do better?" by private message, the
customer's words kept as the comment, and the case reopened (or a linked follow-up case opened,
or an open case raised) at priority high, through the cases package's actions, audited."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select

from atdesk.automations.engine.stage import automate_posts, case_events
from atdesk.config import Settings
from atdesk.domain.posts import RawEvent
from atdesk.models import AuditEvent, AutomatedPost, AutomationJob, Case, SurveyResponse
from atdesk.models.base import utcnow
from atdesk.pipeline.runner import process_events
from atdesk.storage.session import transaction
from tests.automations.helpers import TRIAGER
from tests.surveys.helpers import World, dm

FOLLOW_UP = "Sorry we let you down, Dana. What could we do better?"


def _events(url: str, case_id: int) -> list[tuple[str, str]]:
    """(action, actor) of the case's audit trail after its resolution, oldest first."""
    with transaction(url) as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.actor)
            .where(AuditEvent.entity_type == "case", AuditEvent.entity_id == case_id)
            .order_by(AuditEvent.id)
        ).all()
    actions = [(a, b) for a, b in rows]
    start = max(i for i, (a, _) in enumerate(actions) if a == "case.resolved")
    return actions[start + 1 :]


def _loop_jobs(url: str) -> list[AutomationJob]:
    with transaction(url) as session:
        return list(
            session.scalars(select(AutomationJob).where(AutomationJob.kind == "survey.loop"))
        )


def _surveyed(world: World, native: str = "1") -> int:
    """A case resolved and its survey sent a minute after the test started."""
    case_id = world.answered_case(native)
    world.resolve(case_id)
    world.sweep()
    world.send(minutes=1)
    return case_id


def test_a_low_csat_asks_what_to_do_better_and_reopens_the_case_at_high_priority(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    case_id = _surveyed(world)
    world.post(dm("50", "2 - slow", world.at(3)))
    (response,) = world.responses()
    assert (response.score, response.comment, response.question_status) == (2, "slow", "queued")
    assert world.case(case_id).status == "resolved", "the score alone reopens nothing"
    (job,) = _loop_jobs(world.url)
    assert job.payload["private"] is True and job.payload["case_id"] == case_id

    assert world.send(minutes=4) == 1
    question = world.outbox.sent[-1]
    assert question.text.startswith(FOLLOW_UP) and question.recipient is not None
    assert question.recipient.handle == "dana" and question.target is None
    case = world.case(case_id)
    assert (case.status, case.priority, case.priority_manual) == ("open", "high", True)
    assert case.reopen_count == 1
    (response,) = world.responses()
    assert (response.loop_action, response.follow_up_case_id) == ("reopened", None)
    assert response.question_status == "sent" and response.question_sent_at == world.at(4)
    assert _events(world.url, case_id)[-3:] == [
        ("case.reopened", "surveys"),
        ("case.priority", "surveys"),
        ("survey.loop", "surveys"),
    ]

    # Their answer is the survey's comment, and on the reopened case their message too.
    world.post(dm("51", "nobody read my first message", world.at(6)))
    (response,) = world.responses()
    assert response.comment == "slow\nnobody read my first message"
    assert response.commented_at == world.at(6) and not response.comment_quiet
    assert response.question_status == "answered"
    case = world.case(case_id)
    assert (case.status, case.priority, case.last_customer_at) == ("open", "high", world.at(6))
    assert ("survey.commented", "surveys") in _events(world.url, case_id)
    assert world.send(minutes=7) == 0, "the loop runs once"


def test_a_case_resolved_too_long_ago_gets_a_linked_follow_up_case(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup(reopen_days=2)
    case_id = _surveyed(world)
    world.post(dm("50", "1", world.at(3)))
    three_days_on = world.at(3) + timedelta(days=3)
    assert world.send(minutes=4, now=three_days_on) == 1
    original = world.case(case_id)
    assert original.status == "resolved" and original.reopen_count == 0
    (response,) = world.responses()
    assert response.loop_action == "follow_up" and response.follow_up_case_id is not None
    follow_up = world.case(response.follow_up_case_id)
    assert (follow_up.status, follow_up.priority, follow_up.priority_manual) == (
        "open",
        "high",
        True,
    )
    assert follow_up.customer_author_id == original.customer_author_id
    assert follow_up.brand_id == original.brand_id and follow_up.network == "x"
    assert follow_up.subject == f"Follow-up to case #{case_id}, CSAT 1"
    assert follow_up.opened_at == three_days_on and follow_up.sla_due_at is not None
    assert [a for a, _ in _events_all(world.url, follow_up.id)] == ["case.opened", "case.priority"]
    assert _events(world.url, case_id)[-1] == ("survey.loop", "surveys")

    # The comment stays quiet on the resolved original: it neither reopens nor opens a case,
    # and no rule of the brand acts on it.
    comment = dm("51", "the engineer never came", world.at(6))
    with transaction(world.url) as session:
        events = [RawEvent(source="jsonl", payload=comment)]
        report = process_events(session, events, triager=TRIAGER)
        ids = [p for e in case_events(session, events, report) for p in e["post_ids"]]
        assert ids, "the comment joined the original case's thread"
        automate_posts(session, ids, settings=settings, now=utcnow())
        handled = session.scalars(
            select(AutomatedPost.handled_by).where(AutomatedPost.post_id.in_(ids))
        ).all()
        assert handled == ["survey-answer"]
    (response,) = world.responses()
    assert response.comment == "the engineer never came" and response.comment_quiet
    assert world.case(case_id).status == "resolved"
    with transaction(world.url) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 2
    assert ("survey.commented", "surveys") in _events_all(world.url, follow_up.id)


def _events_all(url: str, case_id: int) -> list[tuple[str, str]]:
    with transaction(url) as session:
        return [
            (a, b)
            for a, b in session.execute(
                select(AuditEvent.action, AuditEvent.actor)
                .where(AuditEvent.entity_type == "case", AuditEvent.entity_id == case_id)
                .order_by(AuditEvent.id)
            )
        ]


def test_nps_detractors_close_the_loop_and_passives_do_not(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup(kind="nps", every_days=0)
    passive = world.answered_case("1")
    detractor = world.answered_case("2", author="4400000002", handle="lee")
    for case_id in (passive, detractor):
        world.resolve(case_id)
    world.sweep()
    world.send(minutes=1)
    world.post(
        dm("50", "7", world.at(3)),
        dm("51", "six", world.at(3), author="4400000002", handle="lee"),
    )
    assert sorted(r.score for r in world.responses()) == [6, 7]
    (job,) = _loop_jobs(world.url)
    assert job.case_id == detractor
    world.send(minutes=4)
    assert world.case(passive).status == "resolved"
    assert (world.case(detractor).status, world.case(detractor).priority) == ("open", "high")


def test_a_case_the_customer_already_reopened_is_raised_and_not_asked(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    case_id = _surveyed(world)
    world.post(dm("50", "1", world.at(3)))
    world.post(dm("51", "and my bill is still wrong", world.at(3.5)))
    assert world.case(case_id).status == "open"
    sent = len(world.outbox.sent)
    world.send(minutes=4)
    assert len(world.outbox.sent) == sent, "no question on a case the customer is writing in"
    (response,) = world.responses()
    assert (response.loop_action, response.question_status) == ("raised", "skipped")
    assert world.case(case_id).priority == "high"


def test_the_brand_decides_whether_to_ask_and_to_reopen(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup(follow_up=False)
    case_id = _surveyed(world)
    world.post(dm("50", "1", world.at(3)))
    sent = len(world.outbox.sent)
    world.send(minutes=4)
    assert len(world.outbox.sent) == sent, "no follow-up question"
    assert world.case(case_id).status == "open"
    (response,) = world.responses()
    assert (response.loop_action, response.question_status) == ("reopened", None)


def test_with_both_off_an_unhappy_answer_is_only_counted(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup(follow_up=False, close_loop=False)
    case_id = _surveyed(world)
    world.post(dm("50", "terrible", world.at(3)))
    (response,) = world.responses()
    assert response.score == 1 and _loop_jobs(world.url) == []
    assert world.case(case_id).status == "resolved"


def test_a_good_score_closes_nothing(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup()
    case_id = _surveyed(world)
    world.post(dm("50", "👍", world.at(3)))
    (response,) = world.responses()
    assert response.score == 4 and response.question_status is None
    assert _loop_jobs(world.url) == []
    assert world.case(case_id).status == "resolved"
    with transaction(world.url) as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(SurveyResponse)
                .where(SurveyResponse.loop_action.is_not(None))
            )
            == 0
        )
