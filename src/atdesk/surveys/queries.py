"""Reading surveys: a customer's history for the case page, lists for the API, brand summaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.models import Author, Brand, Case, Survey, SurveyResponse
from atdesk.surveys.scores import (
    CsatSummary,
    NpsSummary,
    SurveyKind,
    SurveyStatus,
    csat,
    nps,
    response_rate,
)
from atdesk.surveys.settings import survey_settings

PERIODS = (30, 90)
HISTORY_LIMIT = 10


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One answer in the customer panel."""

    kind: str
    score: int
    comment: str
    answered_at: datetime
    case_id: int | None
    brand: str
    network: str


@dataclass(frozen=True, slots=True)
class History:
    """The customer's answers (newest first), what became of this case's own survey and its
    answer (the follow-up question, the comment, the closed loop), and the unhappy answer
    this case follows up, if it is a follow-up case."""

    answers: list[HistoryEntry]
    this_case: Survey | None
    asked: int
    this_answer: SurveyResponse | None = None
    follows_up: SurveyResponse | None = None


def customer_history(
    session: Session, case: Case, brand_ids: frozenset[int] | None, *, limit: int = HISTORY_LIMIT
) -> History:
    """The answers of the case's customer: every handle linked to the same record, else the
    case's author alone; only brands the viewer works on."""
    author = case.customer_author
    customer_id = case.customer_id or author.customer_id
    if customer_id is not None:
        authors = select(Author.id).where(Author.customer_id == customer_id)
        whose_answer = or_(
            SurveyResponse.customer_id == customer_id, SurveyResponse.author_id.in_(authors)
        )
        whose_survey = or_(Survey.customer_id == customer_id, Survey.author_id.in_(authors))
    else:
        whose_answer = SurveyResponse.author_id == author.id
        whose_survey = Survey.author_id == author.id
    rows = session.execute(
        restrict(
            select(SurveyResponse, Brand.name, Survey.network)
            .join(Brand, Brand.id == SurveyResponse.brand_id)
            .join(Survey, Survey.id == SurveyResponse.survey_id)
            .where(whose_answer)
            .order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())
            .limit(limit),
            brand_ids,
            SurveyResponse.brand_id,
        )
    ).all()
    asked = session.scalar(
        restrict(
            select(func.count())
            .select_from(Survey)
            .where(
                whose_survey,
                Survey.status.in_([SurveyStatus.SENT.value, SurveyStatus.ANSWERED.value]),
            ),
            brand_ids,
            Survey.brand_id,
        )
    )
    this_case = session.scalar(select(Survey).where(Survey.case_id == case.id))
    return History(
        answers=[
            HistoryEntry(r.kind, r.score, r.comment, r.answered_at, r.case_id, name, network)
            for r, name, network in rows
        ],
        this_case=this_case,
        asked=int(asked or 0),
        this_answer=session.scalar(
            select(SurveyResponse).where(SurveyResponse.survey_id == this_case.id)
        )
        if this_case is not None
        else None,
        follows_up=session.scalar(
            select(SurveyResponse).where(SurveyResponse.follow_up_case_id == case.id).limit(1)
        ),
    )


@dataclass(frozen=True, slots=True)
class SurveyFilter:
    """What the API list may be narrowed to."""

    brand_id: int | None = None
    case_id: int | None = None
    customer_id: int | None = None
    author_id: int | None = None
    kind: str | None = None
    status: str | None = None
    brand_ids: frozenset[int] | None = None


def list_surveys(
    session: Session, where: SurveyFilter, *, limit: int, offset: int
) -> tuple[Sequence[tuple[Survey, SurveyResponse | None, str]], int]:
    """Surveys, newest first, each with its answer if there is one and the customer's handle;
    and how many match."""
    query = restrict(select(Survey), where.brand_ids, Survey.brand_id)
    for column, value in (
        (Survey.brand_id, where.brand_id),
        (Survey.case_id, where.case_id),
        (Survey.author_id, where.author_id),
        (Survey.kind, where.kind),
        (Survey.status, where.status),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.customer_id is not None:
        query = query.where(
            or_(
                Survey.customer_id == where.customer_id,
                Survey.author_id.in_(
                    select(Author.id).where(Author.customer_id == where.customer_id)
                ),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.add_columns(SurveyResponse, Author.handle)
        .outerjoin(SurveyResponse, SurveyResponse.survey_id == Survey.id)
        .join(Author, Author.id == Survey.author_id)
        .order_by(Survey.created_at.desc(), Survey.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [(survey, response, handle) for survey, response, handle in rows], int(total)


@dataclass(frozen=True, slots=True)
class PeriodSummary:
    """A brand's surveys over the last `days` days."""

    days: int
    since: datetime
    sent: int
    answered: int
    response_rate: float | None
    csat: CsatSummary
    nps: NpsSummary


@dataclass(frozen=True, slots=True)
class BrandSummary:
    """A brand's survey settings and its numbers per period."""

    brand_id: int
    brand: str
    enabled: bool
    kind: str
    periods: list[PeriodSummary]


def summaries(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    now: datetime,
    brand_id: int | None = None,
    periods: Sequence[int] = PERIODS,
) -> list[BrandSummary]:
    """Response rate, CSAT and NPS per brand for each period, counted in the database."""
    brands = session.scalars(restrict(select(Brand).order_by(Brand.name), brand_ids, Brand.id))
    out = []
    for brand in brands:
        if brand_id is not None and brand.id != brand_id:
            continue
        settings = survey_settings(brand)
        out.append(
            BrandSummary(
                brand_id=brand.id,
                brand=brand.name,
                enabled=settings.enabled,
                kind=settings.kind,
                periods=[_period(session, brand.id, days, now) for days in periods],
            )
        )
    return out


def _period(session: Session, brand_id: int, days: int, now: datetime) -> PeriodSummary:
    since = now - timedelta(days=days)
    sent, answered = session.execute(
        select(func.count(), func.count(Survey.answered_at)).where(
            Survey.brand_id == brand_id, Survey.sent_at >= since
        )
    ).one()
    counts: dict[str, Counter[int]] = {kind.value: Counter() for kind in SurveyKind}
    for kind, score, n in session.execute(
        select(SurveyResponse.kind, SurveyResponse.score, func.count())
        .where(
            SurveyResponse.brand_id == brand_id,
            SurveyResponse.answered_at >= since,
        )
        .group_by(SurveyResponse.kind, SurveyResponse.score)
    ):
        counts.setdefault(kind, Counter())[score] += n
    return PeriodSummary(
        days=days,
        since=since,
        sent=int(sent),
        answered=int(answered),
        response_rate=response_rate(int(sent), int(answered)),
        csat=csat(counts[SurveyKind.CSAT.value].elements()),
        nps=nps(counts[SurveyKind.NPS.value].elements()),
    )


def recent_answers(
    session: Session, brand_ids: frozenset[int] | None, *, brand_id: int | None, limit: int = 20
) -> Sequence[tuple[SurveyResponse, str, str]]:
    """The latest answers with the brand's name and the customer's handle."""
    query = (
        select(SurveyResponse, Brand.name, Author.handle)
        .join(Brand, Brand.id == SurveyResponse.brand_id)
        .join(Author, Author.id == SurveyResponse.author_id)
        .order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())
        .limit(limit)
    )
    if brand_id is not None:
        query = query.where(SurveyResponse.brand_id == brand_id)
    return [
        (r, name, handle)
        for r, name, handle in session.execute(restrict(query, brand_ids, SurveyResponse.brand_id))
    ]
