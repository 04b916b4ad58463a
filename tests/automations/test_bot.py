"""The bot answers calm questions the knowledge base covers, above the threshold, marked as
automated; everything else goes to a person with the reason, and the share of cases it
resolved without a human is counted from what happened."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from atdesk.automations.bot import bot_stats
from atdesk.automations.kb import ArticleError, save_article
from atdesk.automations.knowledge import Article, KnowledgeIndex
from atdesk.automations.messages import AUTOMATION_USERNAME
from atdesk.cases.service import auto_resolve
from atdesk.config import Settings
from atdesk.models import BotDecision, Case, CaseTag, Post, User
from atdesk.storage.session import transaction
from tests.automations.helpers import TimedOutbox, automate, job_env, post, run_jobs
from tests.factories import make_brand

STUDENT = (
    "Student discount",
    "Yes: students get 20% off any plan for up to four years. Add your student email at "
    "acme.example/students and the discount applies from your next bill.",
    "do you offer a discount for students?\nis there a student plan\nstudent pricing",
)
ROUTER = (
    "Restart your router",
    "Unplug the router for 30 seconds, plug it back in and wait two minutes.",
    "my internet is slow\nhow do I restart the router",
)


def test_retrieval_prefers_the_closest_phrasing() -> None:
    index = KnowledgeIndex(
        [
            Article(1, STUDENT[0], STUDENT[1], tuple(STUDENT[2].splitlines())),
            Article(2, ROUTER[0], ROUTER[1], tuple(ROUTER[2].splitlines())),
        ]
    )
    best = index.best("@acmehelp do you offer a discount for students?")
    assert best is not None and best.article.id == 1 and best.score > 0.9
    weak = index.best("what are your opening hours on sunday")
    assert weak is None or weak.score < 0.35
    assert KnowledgeIndex([]).best("anything") is None


def _kb(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        for title, body, questions in (STUDENT, ROUTER):
            save_article(session, brand, title=title, body=body, questions=questions, actor="t")
        with pytest.raises(ArticleError, match="exists"):
            save_article(session, brand, title=STUDENT[0], body="x", actor="t")


def test_answers_marked_hand_offs_with_reasons_and_the_share_measured(
    settings: Settings, http: httpx.Client
) -> None:
    url = settings.database_url
    _kb(settings)
    with transaction(url) as session:
        automate(
            session,
            settings,
            post("1", "@acmehelp do you offer a discount for students?", minutes_before=30),
            post("2", "@acmehelp what time do you open on sundays?", handle="lee", author="2"),
            post("3", "@acmehelp can I talk to a real person?", handle="kim", author="3"),
            post(
                "4",
                "@acmehelp is there a student plan? this is ridiculous, nobody answers",
                handle="max",
                author="4",
            ),
        )
        decisions = {
            d.post_id: (d.outcome, d.reason) for d in session.scalars(select(BotDecision)).all()
        }
        ids = {p.native_id: p.id for p in session.scalars(select(Post))}
    assert decisions[ids["1"]][0] == "answered"
    assert decisions[ids["2"]][0] == "handoff"
    assert decisions[ids["2"]][1].startswith(("not sure enough", "the knowledge base has nothing"))
    assert decisions[ids["3"]] == ("handoff", "the customer asked for a person")
    assert decisions[ids["4"]] == ("handoff", "negative sentiment: a person should answer")

    outbox = TimedOutbox()
    run_jobs(job_env(settings, outbox, http))
    (answer,) = outbox.sent
    assert answer.text.startswith("[Automated answer] Yes: students get 20% off")
    assert answer.text.endswith("Reply 'agent' to talk to a person.")
    with transaction(url) as session:
        sent = session.scalars(select(Post).where(Post.inbound.is_(False))).one()
        sender = session.get(User, sent.sent_by_user_id)
        assert sender is not None and sender.username == AUTOMATION_USERNAME
        handed = session.scalars(select(CaseTag.case_id).where(CaseTag.name == "needs-human"))
        assert len(set(handed)) == 3
        resolved = auto_resolve(
            session, now=sent.created_at + timedelta(hours=49), after=timedelta(hours=48)
        )
        assert resolved == 1
        stats = bot_stats(session)
    assert (stats.cases, stats.answered, stats.handed_off, stats.resolved_without_human) == (
        4,
        1,
        3,
        1,
    )
    assert stats.share_without_human == 0.25


def test_asking_for_a_person_after_an_answer_hands_over(
    settings: Settings, http: httpx.Client
) -> None:
    url = settings.database_url
    _kb(settings)
    with transaction(url) as session:
        automate(
            session, settings, post("1", "@acmehelp is there a student plan", minutes_before=9)
        )
    run_jobs(job_env(settings, TimedOutbox(), http))
    with transaction(url) as session:
        bot_post = session.scalars(select(Post).where(Post.inbound.is_(False))).one()
        runs = automate(
            session,
            settings,
            post("2", "@acmehelp agent please", in_reply_to=bot_post.native_id, minutes_before=-2),
        )
        assert runs[0].handled_by == "bot-follow-up"
        case = session.scalars(select(Case)).one()
        assert (
            "needs-human"
            in session.scalars(select(CaseTag.name).where(CaseTag.case_id == case.id)).all()
        )
        stats = bot_stats(session)
    assert (stats.answered, stats.handed_off, stats.resolved_without_human) == (1, 1, 0)
