"""Writing the knowledge base: articles the bot may answer from, changed by people only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.domain.errors import AppError
from atdesk.models import Brand, KbArticle, User


class ArticleError(AppError):
    """An article that cannot be saved, with what to fix."""


def _check(session: Session, brand_id: int, title: str, body: str, except_id: int | None) -> None:
    if not title.strip():
        raise ArticleError("an article needs a title")
    if not body.strip():
        raise ArticleError("an article needs an answer to send")
    query = select(KbArticle.id).where(
        KbArticle.brand_id == brand_id, KbArticle.title == title.strip()
    )
    if except_id is not None:
        query = query.where(KbArticle.id != except_id)
    if session.scalar(query) is not None:
        raise ArticleError(f"an article titled {title.strip()!r} exists; choose another title")


def save_article(
    session: Session,
    brand: Brand,
    *,
    title: str,
    body: str,
    questions: str = "",
    enabled: bool = True,
    actor: User | str,
    article: KbArticle | None = None,
) -> KbArticle:
    """Create an article, or change `article`; the change is audited."""
    _check(session, brand.id, title, body, article.id if article else None)
    before = _snapshot(article) if article else {}
    row = article or KbArticle(brand_id=brand.id)
    row.title, row.body = title.strip(), body.strip()
    row.questions = "\n".join(line.strip() for line in questions.splitlines() if line.strip())
    row.enabled = enabled
    session.add(row)
    session.flush()
    audit.record(
        session,
        entity_type="kb_article",
        entity_id=row.id,
        action="kb.updated" if article else "kb.created",
        actor=actor,
        before=before,
        after=_snapshot(row),
    )
    return row


def delete_article(session: Session, article: KbArticle, *, actor: User | str) -> None:
    """Remove an article; decisions that used it keep their reason."""
    audit.record(
        session,
        entity_type="kb_article",
        entity_id=article.id,
        action="kb.deleted",
        actor=actor,
        before=_snapshot(article),
    )
    session.delete(article)
    session.flush()


def _snapshot(article: KbArticle) -> dict[str, object]:
    return {
        "title": article.title,
        "enabled": article.enabled,
        "questions": article.questions.count("\n") + 1 if article.questions else 0,
    }
