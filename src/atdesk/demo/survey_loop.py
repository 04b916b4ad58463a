"""The demo's closed survey loops, laid out from the demo's `now` (ADR 93).

Two customers who were unhappy with how their case went, each through the real paths: their
public question and the brand's answer through the pipeline, the resolution, the survey
decided and sent as a private message, the low score read from their DM, the "what could we
do better?" question, the loop, and their words back:

- City Works, NPS 3 a few hours after a resolution: the case is reopened at high priority,
  and the comment waits there as the customer's message.
- Cable Co, CSAT 1 on a case resolved five days ago: a follow-up case at high priority,
  linked to the original, which stays resolved.

Planted once: a second demo run finds the first post and adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.cases.service import link_conversation, resolve
from atdesk.config import Settings
from atdesk.domain.posts import RawEvent
from atdesk.models import AuditEvent, Brand, Case, ChannelAccount, Post, Survey, SurveyResponse
from atdesk.pipeline.runner import process_events
from atdesk.storage.session import transaction
from atdesk.surveys.loop import close_loop
from atdesk.surveys.scores import QuestionStatus
from atdesk.surveys.service import Resolution, decide, mark_sent
from atdesk.worker import wire

FIRST_ID = 1_880_000_000_000_000_000


@dataclass(frozen=True, slots=True)
class Story:
    """One unhappy customer: what they asked, when it was resolved, what they said after."""

    brand: str
    handle: str
    name: str
    user_id: str
    question: str
    reply: str
    resolved_ago: timedelta
    answer: str
    comment: str


STORIES = (
    Story(
        brand="City Works",
        handle="marta_g",
        name="Marta G",
        user_id="4400000901",
        question="the streetlight on Elm St is out again, third time this month",
        reply="thanks Marta, a crew is scheduled for this afternoon",
        resolved_ago=timedelta(hours=5),
        answer="3 - it's still dark every night",
        comment="nobody came; the light is still out and the street is pitch black",
    ),
    Story(
        brand="Cable Co",
        handle="owen_b",
        name="Owen B",
        user_id="4400000902",
        question="my internet has dropped every evening for a week",
        reply="sorry Owen, we've reset your line from our side, it should hold now",
        resolved_ago=timedelta(days=5),
        answer="1",
        comment="it still drops at 8pm every night and I work from home",
    ),
)


def plant_survey_loop(
    settings: Settings, *, now: datetime, echo: Callable[[str], None] = lambda _: None
) -> int:
    """Plant the stories (once); returns how many cases the loop reopened or opened."""
    wire()  # the pipeline must know survey answers, as in the worker
    with transaction(settings.database_url) as session:
        if session.scalar(select(Post.id).where(Post.native_id == str(FIRST_ID))) is not None:
            return 0
        done = 0
        for n, story in enumerate(STORIES):
            if _plant(session, story, FIRST_ID + 10 * n, now=now):
                done += 1
    echo(f"planted {done} closed survey loops (a reopened case and a follow-up case)")
    return done


def _plant(session: Session, story: Story, first_id: int, *, now: datetime) -> bool:
    brand = session.scalar(select(Brand).where(Brand.name == story.brand))
    account = session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.brand_id == (brand.id if brand else -1), ChannelAccount.network == "x"
        )
    )
    if brand is None or account is None:
        return False
    customer = {"id": story.user_id, "handle": story.handle, "name": story.name, "followers": 40}
    own = {"id": account.native_user_id or "0", "handle": account.handle, "name": brand.name}
    resolved_at = now - story.resolved_ago
    asked_at = resolved_at + timedelta(minutes=3)
    answered_at = max(now - timedelta(minutes=90), asked_at + timedelta(minutes=20))
    ids = [str(first_id + i) for i in range(6)]

    def event(native: str, text: str, at: datetime, **extra: object) -> RawEvent:
        payload = {"network": "x", "id": native, "text": text, "created_at": at.isoformat()}
        return RawEvent(source="jsonl", payload={**payload, **extra})

    process_events(
        session,
        [
            event(
                ids[0],
                f"@{account.handle} {story.question}",
                resolved_at - timedelta(hours=2),
                author=customer,
            ),
            event(
                ids[1],
                f"@{story.handle} {story.reply}",
                resolved_at - timedelta(hours=1),
                author=own,
                in_reply_to=ids[0],
            ),
        ],
    )
    first = select(Post.case_id).where(Post.network == "x", Post.native_id == ids[0])
    case = session.get(Case, session.scalar(first) or -1)
    if case is None:
        return False
    resolve(session, case, actor="ana", at=resolved_at)
    session.flush()
    event_id = session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.entity_id == case.id, AuditEvent.action == "case.resolved")
        .order_by(AuditEvent.id.desc())
    )
    assert event_id is not None
    survey = decide(session, Resolution(event_id, case.id, resolved_at), now=resolved_at)
    if survey is None or survey.reason:
        return False
    private = {"direct": True}
    process_events(
        session,
        [event(ids[2], survey.text, asked_at, author=own, to=story.handle, **private)],
    )
    prompt = session.get(Post, _post_id(session, ids[2]))
    assert prompt is not None
    assert prompt.conversation_id is not None
    link_conversation(session, case, prompt.conversation_id)  # as the respond stage does
    mark_sent(session, survey, prompt.id)
    process_events(
        session,
        [event(ids[3], story.answer, answered_at, author=customer, to=account.handle, **private)],
    )
    response = session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    if response is None:
        return False
    question_at = answered_at + timedelta(minutes=1)
    process_events(
        session,
        [
            event(
                ids[4],
                f"Sorry we let you down, {story.name.split()[0]}. What could we do better? "
                "Reply here in your own words.",
                question_at,
                author=own,
                to=story.handle,
                **private,
            )
        ],
    )
    response.question_status = QuestionStatus.SENT.value
    response.question_post_id = _post_id(session, ids[4])
    response.question_sent_at = question_at
    close_loop(session, response, now=question_at)
    process_events(
        session,
        [
            event(
                ids[5],
                story.comment,
                question_at + timedelta(minutes=12),
                author=customer,
                to=account.handle,
                **private,
            )
        ],
    )
    session.flush()
    survey_row = session.get(Survey, survey.id)
    return survey_row is not None and response.loop_action in ("reopened", "follow_up")


def _post_id(session: Session, native_id: str) -> int:
    found = session.scalar(select(Post.id).where(Post.network == "x", Post.native_id == native_id))
    assert found is not None, f"the demo post {native_id} was not stored"
    return found
