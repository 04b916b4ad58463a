"""Recognising survey answers among the private messages a batch stores, before cases sync.

The pipeline calls `record_answers` after storing a batch and before `sync_cases`, in the
batch's transaction, so the answer is stored with the post and the case lifecycle already
sees it as one: it neither reopens the resolved case nor opens a new one (ADR 70). This
module runs inside the pipeline, so it depends on nothing above the models and the audit.

A private message answers a survey when the survey went to its author on that network,
it arrives within the survey's answer window, the case is still resolved, the brand has
written nothing else to the customer in private since, and it reads as a score in range.
Anything else is an ordinary message.

After a low score (CSAT 1-2, NPS 0-6) a `survey.loop` job is queued in the same transaction:
it asks "what could we do better?" and closes the loop (ADR 93). The first private message
after that question, within the answer window, is the response's comment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.domain.cases import CaseStatus
from atdesk.jobs import queue as jobs
from atdesk.models import Brand, Case, Post, Survey, SurveyResponse
from atdesk.surveys.reading import COMMENT_MAX, read_answer
from atdesk.surveys.scores import QuestionStatus, SurveyKind, SurveyStatus, is_low
from atdesk.surveys.settings import survey_settings
from atdesk.surveys.texts import personal_text

ACTOR = "surveys"
LOOP_JOB = "survey.loop"
# The network stamps the answer, we stamp the survey (X keeps whole seconds): allow for it.
CLOCK_SLACK = timedelta(minutes=2)
_CHUNK = 500


def record_answers(session: Session, keys: Iterable[tuple[str, str]]) -> list[SurveyResponse]:
    """Store the answers among these new posts ((network, native id) keys), oldest first."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    posts: list[Post] = []
    by_network: dict[str, list[str]] = {}
    for network, native_id in wanted:
        by_network.setdefault(network, []).append(native_id)
    for network, native_ids in by_network.items():
        for start in range(0, len(native_ids), _CHUNK):
            posts.extend(
                session.scalars(
                    select(Post).where(
                        Post.network == network,
                        Post.native_id.in_(native_ids[start : start + _CHUNK]),
                        Post.inbound.is_(True),
                        Post.direct.is_(True),
                        Post.filtered_reason.is_(None),
                    )
                )
            )
    responses = []
    for post in sorted(posts, key=lambda p: (p.created_at, p.id)):
        response = _answer(session, post)
        if response is not None:
            responses.append(response)
    if responses:
        session.flush()
    return responses


def _answer(session: Session, post: Post) -> SurveyResponse | None:
    asked = waiting_question(session, post)
    if asked is not None:
        return _record_comment(session, asked, post)
    survey = waiting_survey(session, post)
    if survey is None:
        return None
    answer = read_answer(post.text, SurveyKind(survey.kind))
    if answer is None:
        return None
    response = SurveyResponse(
        survey_id=survey.id,
        post_id=post.id,
        brand_id=survey.brand_id,
        case_id=survey.case_id,
        author_id=post.author_id,
        customer_id=survey.customer_id or post.author.customer_id,
        kind=survey.kind,
        score=answer.score,
        comment=answer.comment,
        answered_at=post.created_at,
    )
    session.add(response)
    survey.status = SurveyStatus.ANSWERED.value
    survey.answered_at = post.created_at
    if survey.case_id is not None:
        audit.record(
            session,
            entity_type="case",
            entity_id=survey.case_id,
            action="survey.answered",
            actor=ACTOR,
            after={
                "survey_id": survey.id,
                "kind": survey.kind,
                "score": answer.score,
                "comment": answer.comment,
                "post_id": post.id,
            },
        )
    if is_low(survey.kind, answer.score):
        _after_low_score(session, survey, response)
    return response


def _after_low_score(session: Session, survey: Survey, response: SurveyResponse) -> None:
    """Queue the follow-up question and the closed loop, as one job in this transaction."""
    brand = session.get(Brand, survey.brand_id)
    case = session.get(Case, survey.case_id) if survey.case_id is not None else None
    if brand is None or case is None:
        return
    settings = survey_settings(brand)
    if not (settings.follow_up or settings.close_loop):
        return
    session.flush()  # the response's id names the job
    response.question_status = QuestionStatus.QUEUED.value if settings.follow_up else None
    jobs.enqueue(
        session,
        kind=LOOP_JOB,
        key=f"{LOOP_JOB}:response:{response.id}",
        brand_id=case.brand_id,
        case_id=case.id,
        payload={
            "case_id": case.id,
            "response_id": response.id,
            "private": True,
            "text": personal_text(case, settings.follow_up_text) if settings.follow_up else "",
            "purpose": "survey",
        },
    )


def _record_comment(session: Session, response: SurveyResponse, post: Post) -> SurveyResponse:
    """The customer's answer to "what could we do better?", kept as the response's comment.

    On a case that is still resolved it stays quiet (it neither reopens the case nor opens
    another, like the score); on a case the loop reopened it is the customer's message too.
    """
    words = post.text.strip()
    case = session.get(Case, response.case_id) if response.case_id is not None else None
    response.comment = (f"{response.comment}\n{words}" if response.comment else words)[:COMMENT_MAX]
    response.comment_post_id = post.id
    response.comment_quiet = case is None or case.status == CaseStatus.RESOLVED.value
    response.commented_at = post.created_at
    response.question_status = QuestionStatus.ANSWERED.value
    for case_id in {response.case_id, response.follow_up_case_id} - {None}:
        assert case_id is not None
        audit.record(
            session,
            entity_type="case",
            entity_id=case_id,
            action="survey.commented",
            actor=ACTOR,
            after={
                "survey_id": response.survey_id,
                "comment": words[:COMMENT_MAX],
                "post_id": post.id,
                "quiet": response.comment_quiet,
            },
        )
    session.flush()
    return response


def waiting_question(session: Session, post: Post) -> SurveyResponse | None:
    """The low-score answer whose follow-up question this private message may answer."""
    query = (
        select(SurveyResponse, Survey.brand_id)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(
            SurveyResponse.author_id == post.author_id,
            SurveyResponse.question_status == QuestionStatus.SENT.value,
            SurveyResponse.comment_post_id.is_(None),
            Survey.network == post.network,
            SurveyResponse.question_sent_at <= post.created_at + CLOCK_SLACK,
        )
        .order_by(SurveyResponse.question_sent_at.desc(), SurveyResponse.id.desc())
        .limit(1)
    )
    if post.brand_id is not None:
        query = query.where(Survey.brand_id == post.brand_id)
    found = session.execute(query).first()
    if found is None or not post.text.strip():
        return None
    response, brand_id = found
    brand = session.get(Brand, brand_id)
    asked = response.question_sent_at
    if brand is None or asked is None:
        return None
    if post.created_at >= asked + timedelta(days=survey_settings(brand).answer_days):
        return None
    if _brand_wrote_since(
        session, brand_id, post, since=asked, prompt_post_id=response.question_post_id
    ):
        return None
    return response


def waiting_survey(session: Session, post: Post) -> Survey | None:
    """The survey this private message could answer, if one is waiting for its author."""
    query = (
        select(Survey)
        .where(
            Survey.author_id == post.author_id,
            Survey.status == SurveyStatus.SENT.value,
            Survey.network == post.network,
            Survey.sent_at <= post.created_at + CLOCK_SLACK,
            Survey.expires_at > post.created_at,
        )
        .order_by(Survey.sent_at.desc(), Survey.id.desc())
        .limit(1)
    )
    if post.brand_id is not None:
        query = query.where(Survey.brand_id == post.brand_id)
    survey = session.scalar(query)
    if survey is None or survey.case_id is None or survey.sent_at is None:
        return None
    case = session.get(Case, survey.case_id)
    if case is None or case.status != CaseStatus.RESOLVED.value:
        return None  # reopened since: whatever the customer says now is about the case
    if _brand_wrote_since(
        session, survey.brand_id, post, since=survey.sent_at, prompt_post_id=survey.prompt_post_id
    ):
        return None  # a later question (a slot offer, an agent's DM) is what this answers
    return survey


def _brand_wrote_since(
    session: Session, brand_id: int, post: Post, *, since: datetime, prompt_post_id: int | None
) -> bool:
    """Whether the brand sent the customer another private message after its own question."""
    cases = select(Case.id).where(Case.customer_author_id == post.author_id)
    later = session.scalar(
        select(Post.id)
        .where(
            Post.inbound.is_(False),
            Post.direct.is_(True),
            Post.brand_id == brand_id,
            Post.case_id.in_(cases),
            Post.created_at > since,
            Post.created_at <= post.created_at,
            Post.id != (prompt_post_id or -1),
        )
        .limit(1)
    )
    return later is not None
