"""Recognising survey answers among the private messages a batch stores, before cases sync.

The pipeline calls `record_answers` after storing a batch and before `sync_cases`, in the
batch's transaction, so the answer is stored with the post and the case lifecycle already
sees it as one: it neither reopens the resolved case nor opens a new one (ADR 70). This
module runs inside the pipeline, so it depends on nothing above the models and the audit.

A private message answers a survey when the survey went to its author on that network,
it arrives within the survey's answer window, the case is still resolved, the brand has
written nothing else to the customer in private since, and it reads as a score in range.
Anything else is an ordinary message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.domain.cases import CaseStatus
from atdesk.models import Case, Post, Survey, SurveyResponse
from atdesk.surveys.reading import read_answer
from atdesk.surveys.scores import SurveyKind, SurveyStatus

ACTOR = "surveys"
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
    if _brand_wrote_since(session, survey, post):
        return None  # a later question (a slot offer, an agent's DM) is what this answers
    return survey


def _brand_wrote_since(session: Session, survey: Survey, post: Post) -> bool:
    """Whether the brand sent the customer another private message after the survey."""
    assert survey.sent_at is not None
    cases = select(Case.id).where(Case.customer_author_id == post.author_id)
    later = session.scalar(
        select(Post.id)
        .where(
            Post.inbound.is_(False),
            Post.direct.is_(True),
            Post.brand_id == survey.brand_id,
            Post.case_id.in_(cases),
            Post.created_at > survey.sent_at,
            Post.created_at <= post.created_at,
            Post.id != (survey.prompt_post_id or -1),
        )
        .limit(1)
    )
    return later is not None
