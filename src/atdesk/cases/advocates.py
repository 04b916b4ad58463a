"""Community answers on a case, and the brand's advocates: who answers other customers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.cases.schemas import AdvocateOut, CommunityAnswerOut
from atdesk.channels.permalinks import post_url
from atdesk.models import Author, Brand, CommunityAnswer


@dataclass(frozen=True, slots=True)
class Advocate:
    """One community member of one brand and the answers recognised from them."""

    brand: Brand
    author: Author
    answers: int
    thanked: int
    last_answer_at: datetime


def case_answers(session: Session, case_id: int) -> Sequence[CommunityAnswer]:
    """The community answers recognised in one case, in the order they were written."""
    return session.scalars(
        select(CommunityAnswer)
        .where(CommunityAnswer.case_id == case_id)
        .order_by(CommunityAnswer.recognised_at, CommunityAnswer.id)
    ).all()


def answer_url(answer: CommunityAnswer) -> str | None:
    """The public address of the answer, to point the customer (and the agent) to it."""
    post = answer.post
    return post_url(post.network, post.native_id, answer.author.handle, post.raw)


def answer_out(answer: CommunityAnswer) -> CommunityAnswerOut:
    """The API view of a community answer."""
    return CommunityAnswerOut(
        id=answer.id,
        case_id=answer.case_id,
        brand_id=answer.brand_id,
        post_id=answer.post_id,
        question_post_id=answer.question_post_id,
        author_id=answer.author_id,
        author_handle=answer.author.handle,
        network=answer.post.network,
        text=answer.post.text,
        url=answer_url(answer),
        score=answer.score,
        reasons=list(answer.reasons or []),
        thanked=answer.thanked,
        recognised_at=answer.recognised_at,
    )


def advocates(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    brand_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Advocate], int]:
    """Authors with recognised answers in the viewer's brands, most answers first, and how
    many (brand, author) pairs there are in all."""
    grouped = select(
        CommunityAnswer.brand_id,
        CommunityAnswer.author_id,
        func.count(CommunityAnswer.id).label("answers"),
        func.sum(when((CommunityAnswer.thanked.is_(True), 1), else_=0)).label("thanked"),
        func.max(CommunityAnswer.recognised_at).label("last"),
    ).group_by(CommunityAnswer.brand_id, CommunityAnswer.author_id)
    grouped = restrict(grouped, brand_ids, CommunityAnswer.brand_id)
    if brand_id is not None:
        grouped = grouped.where(CommunityAnswer.brand_id == brand_id)
    total = int(session.scalar(select(func.count()).select_from(grouped.subquery())) or 0)
    rows = session.execute(
        grouped.order_by(
            func.count(CommunityAnswer.id).desc(),
            func.max(CommunityAnswer.recognised_at).desc(),
            CommunityAnswer.author_id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    authors = {
        a.id: a
        for a in session.scalars(select(Author).where(Author.id.in_({r[1] for r in rows} or {-1})))
    }
    brands = {
        b.id: b
        for b in session.scalars(select(Brand).where(Brand.id.in_({r[0] for r in rows} or {-1})))
    }
    found = [
        Advocate(brands[b], authors[a], int(n), int(t or 0), last) for b, a, n, t, last in rows
    ]
    return found, total


def advocate_out(advocate: Advocate) -> AdvocateOut:
    """The API view of an advocate."""
    return AdvocateOut(
        brand_id=advocate.brand.id,
        brand=advocate.brand.name,
        author_id=advocate.author.id,
        handle=advocate.author.handle,
        name=advocate.author.name or "",
        network=advocate.author.network,
        followers=advocate.author.followers,
        answers=advocate.answers,
        thanked=advocate.thanked,
        last_answer_at=advocate.last_answer_at,
    )
