"""A resolution gets one survey by private message through the respond stage; the customer's
score is stored and leaves the case resolved; anything else they write reopens it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from atdesk.automations.engine.stage import automate_posts, case_events
from atdesk.cases.actions import reopen
from atdesk.cases.service import auto_resolve
from atdesk.config import Settings
from atdesk.domain.posts import RawEvent
from atdesk.models import AuditEvent, AutomatedPost, AutomationJob, Case, Post, Survey, SurveyCursor
from atdesk.models.base import utcnow
from atdesk.noise.service import add_block
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.pipeline.runner import process_events
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.respond.tasks import automation_user
from atdesk.storage.session import transaction
from atdesk.surveys.tasks import sweep
from atdesk.worker import AutomationRunner
from tests.automations.helpers import TRIAGER
from tests.surveys.helpers import World, dm, x_post


def _actions(url: str, case_id: int) -> list[str]:
    with transaction(url) as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_id == case_id, AuditEvent.action.like("survey.%"))
                .order_by(AuditEvent.id)
            )
        )


def test_resolving_queues_one_survey_that_goes_out_by_private_message(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    world.resolve(case_id)
    assert world.sweep() == 1
    (survey,) = world.surveys()
    assert (survey.status, survey.kind, survey.case_id) == ("queued", "csat", case_id)
    assert survey.text.startswith("Thanks for getting in touch with Acme, Dana. How did we do?")
    assert world.send() == 1
    (message,) = world.outbox.sent
    assert message.recipient is not None and message.recipient.handle == "dana"
    assert message.text == survey.text
    (survey,) = world.surveys()
    assert survey.status == "sent" and survey.prompt_post_id is not None
    assert survey.sent_at == world.at(1)
    case = world.case(case_id)
    assert case.status == "resolved" and case.outbound_count == 2
    assert _actions(world.url, case_id) == ["survey.queued"]


def test_a_score_by_dm_is_stored_and_the_case_stays_resolved(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    world.resolve(case_id)
    world.sweep()
    world.send(minutes=1)
    world.post(dm("50", "5 thanks!", world.at(3)))
    (response,) = world.responses()
    assert (response.score, response.comment, response.kind) == (5, "thanks!", "csat")
    assert response.case_id == case_id and response.answered_at == world.at(3)
    case = world.case(case_id)
    assert (case.status, case.reopen_count, case.inbound_count) == ("resolved", 0, 1)
    assert world.surveys()[0].status == "answered"
    assert _actions(world.url, case_id) == ["survey.queued", "survey.answered"]
    with transaction(world.url) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1, "no new case"

    # Anything they write after that is an ordinary message: it reopens the case.
    world.post(dm("51", "actually I was charged again today", world.at(5)))
    case = world.case(case_id)
    assert (case.status, case.reopen_count) == ("open", 1)
    assert len(world.responses()) == 1


def test_a_normal_message_after_resolution_still_reopens(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    world.resolve(case_id)
    world.sweep()
    world.send(minutes=1)
    world.post(dm("50", "my bill is still wrong, 3 charges now", world.at(3)))
    assert world.responses() == []
    case = world.case(case_id)
    assert (case.status, case.reopen_count) == ("open", 1)
    assert world.surveys()[0].status == "sent"


def test_an_answer_after_the_window_is_an_ordinary_message(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup(answer_days=7)
    case_id = world.answered_case("1")
    world.resolve(case_id)
    world.sweep()
    world.send(minutes=1)
    world.post(dm("50", "5", world.at(1 + 7 * 24 * 60 + 1)))
    assert world.responses() == []
    assert world.case(case_id).status == "open"


def test_out_of_range_or_unrelated_text_is_an_ordinary_message(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    world.resolve(case_id)
    world.sweep()
    world.send(minutes=1)
    world.post(dm("50", "9", world.at(3)))  # CSAT is 1-5
    assert world.responses() == []
    assert world.case(case_id).status == "open"


def test_nps_reads_0_to_10(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup(kind="nps")
    case_id = world.answered_case("1")
    world.resolve(case_id)
    world.sweep()
    world.send(minutes=1)
    assert "recommend" in world.outbox.sent[0].text
    world.post(dm("50", "9/10 quick and friendly", world.at(3)))
    (response,) = world.responses()
    assert (response.kind, response.score, response.comment) == ("nps", 9, "quick and friendly")
    assert world.case(case_id).status == "resolved"


def test_the_answer_is_not_automated(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    world.resolve(case_id)
    world.sweep()
    world.send(minutes=1)
    payload = dm("50", "5 thanks!", world.at(3))
    with transaction(world.url) as session:
        events = [RawEvent(source="jsonl", payload=payload)]
        report = process_events(session, events, triager=TRIAGER)
        ids = [p for e in case_events(session, events, report) for p in e["post_ids"]]
        automate_posts(session, ids, settings=settings, now=utcnow())
        assert session.scalars(select(AutomatedPost.handled_by)).all() == ["survey-answer"]
    assert world.case(case_id).status == "resolved"


def test_once_per_case_not_again_on_replay_or_re_resolve(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    world.resolve(case_id)
    assert world.sweep() == 1
    assert world.sweep() == 0
    world.send(minutes=1)
    # The same posts again (a replay), a reopen by hand and a second resolution.
    world.answered_case("1")
    with transaction(world.url) as session:
        case = session.get(Case, case_id)
        assert case is not None and reopen(session, case, actor="test")
    world.resolve(case_id)
    assert world.sweep() == 0
    # A sweep that reads the whole audit trail again (a crash before its commit) adds nothing.
    with transaction(world.url) as session:
        cursor = session.get(SurveyCursor, "resolved")
        assert cursor is not None
        cursor.last_audit_id = 0
    assert sweep(world.url, now=utcnow()) == 0
    assert world.send() == 0
    assert len(world.surveys()) == 1 and len(world.outbox.sent) == 1
    with transaction(world.url) as session:
        assert session.scalar(select(func.count()).select_from(AutomationJob)) == 1


def test_a_case_reopened_before_the_survey_goes_out_is_not_surveyed_until_resolved_again(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    world.resolve(case_id)
    world.sweep()
    world.post(dm("50", "wait, one more thing", world.at(0.5)))
    world.send(minutes=1)
    assert world.outbox.sent == []
    (survey,) = world.surveys()
    assert survey.status == "cancelled"
    world.post(
        {
            "network": "x",
            "id": "51",
            "text": "@dana done!",
            "created_at": world.at(2).isoformat(),
            "author": {"id": "1200000000", "handle": "acmehelp"},
            "direct": True,
            "to": "dana",
        }
    )
    world.resolve(case_id)
    assert world.sweep() == 1
    world.send(minutes=4)
    assert len(world.outbox.sent) == 1
    assert [s.status for s in world.surveys()] == ["sent"]


def test_one_survey_per_customer_within_the_brands_days(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup(every_days=7)
    first = world.answered_case("1")
    second = world.answered_case("2")
    other = world.answered_case("3", author="4400000002", handle="lee")
    for case_id in (first, second, other):
        world.resolve(case_id)
    assert world.sweep() == 3
    by_case = {s.case_id: s for s in world.surveys()}
    assert by_case[first].status == "queued"
    assert by_case[second].status == "skipped"
    assert "at most one survey every 7 days" in (by_case[second].reason or "")
    assert by_case[other].status == "queued"
    assert _actions(world.url, second) == ["survey.skipped"]


def test_no_brand_limit_when_every_days_is_zero(settings: Settings, http: httpx.Client) -> None:
    """Only the one-a-day limit per network is left (tests/surveys/test_throttle.py)."""
    world = World(settings, http).setup(every_days=0)
    first, second = world.answered_case("1"), world.answered_case("2")
    world.resolve(first)
    sweep(world.url, now=world.at(1))
    world.resolve(second)
    sweep(world.url, now=world.at(1) + timedelta(days=1))
    assert [s.status for s in world.surveys()] == ["queued", "queued"]


def test_brands_without_surveys_get_none(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup(enabled=False)
    world.resolve(world.answered_case("1"))
    assert world.sweep() == 0
    assert world.surveys() == []


def test_flagged_customers_get_no_survey(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    with transaction(world.url) as session:
        post = session.scalars(select(Post).where(Post.native_id == "1")).one()
        post.abuse = True
    world.resolve(case_id)
    world.sweep()
    (survey,) = world.surveys()
    assert survey.status == "skipped" and "abuse" in (survey.reason or "")
    assert world.send() == 0


def test_blocked_customers_get_no_survey(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    with transaction(world.url) as session:
        brand = world.brand(session)
        add_block(session, brand, kind="user", value="@Dana", actor="test", now=world.at(0))
    world.resolve(case_id)
    world.sweep()
    assert world.surveys()[0].reason == "the customer is on the brand's block list"


def test_a_merged_away_case_gets_no_survey(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    world.resolve(case_id)
    with transaction(world.url) as session:
        case = session.get(Case, case_id)
        assert case is not None
        session.delete(case)  # what a merge does to the case it folds in
    assert world.sweep() == 0
    with transaction(world.url) as session:
        assert session.scalars(select(Survey)).all() == []


def test_the_worker_decides_and_sends_on_its_own(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup()
    world.resolve(world.answered_case("1"))
    world.outbox.at = world.at(1)
    runner = AutomationRunner(settings, EmbeddedBus(settings.database_url), outbox=world.outbox)
    try:
        assert runner.run_once() == 2  # the decision, then the job
        assert runner.run_once() == 0
    finally:
        runner.close()
    assert len(world.outbox.sent) == 1 and world.surveys()[0].status == "sent"


@pytest.mark.parametrize("skip_automated", [True, False])
def test_cases_only_the_bot_handled_are_skipped_if_the_brand_says_so(
    settings: Settings, http: httpx.Client, skip_automated: bool
) -> None:
    world = World(settings, http).setup(skip_automated=skip_automated)
    world.post(x_post("1", "@acmehelp do you offer student discounts?", world.at(-60)))
    world.outbox.at = world.at(-55)
    with transaction(world.url) as session:
        case = session.scalars(select(Case)).one()
        bot = automation_user(session)
        said = submit_reply(
            session,
            case,
            bot,
            ReplyRequest("[Automated answer] Yes, 15% off.", "public", case.reply_version),
            world.outbox,
        )
        assert said.status == "sent", said.message
        assert auto_resolve(
            session, now=world.at(-55) + timedelta(hours=49), after=timedelta(hours=48)
        )
    world.sweep()
    (survey,) = world.surveys()
    assert survey.resolved_by == "auto-resolve"
    if skip_automated:
        assert (survey.status, survey.reason) == (
            "skipped",
            "closed by the bot or an automation with no person involved",
        )
    else:
        assert survey.status == "queued"


def test_an_agent_resolving_a_bot_answered_case_counts_as_a_person(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup(skip_automated=True)
    world.post(x_post("1", "@acmehelp do you offer student discounts?", world.at(-60)))
    with transaction(world.url) as session:
        case = session.scalars(select(Case)).one()
        request = ReplyRequest("[Automated answer] Yes.", "public", case.reply_version)
        submit_reply(session, case, automation_user(session), request, world.outbox)
    world.resolve(case.id)
    world.sweep()
    assert world.surveys()[0].status == "queued"


def test_cases_nobody_answered_get_no_survey(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup()
    world.post(x_post("1", "@acmehelp thanks for the quick fix yesterday", world.at(-60)))
    with transaction(world.url) as session:
        case_id = session.scalars(select(Case.id)).one()
    world.resolve(case_id)
    world.sweep()
    assert world.surveys()[0].reason == "nobody answered the customer, so there is nothing to rate"
