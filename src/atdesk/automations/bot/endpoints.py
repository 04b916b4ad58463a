"""REST API for the knowledge base the bot answers from, and the bot's numbers (SPEC.md §7)."""

from __future__ import annotations

from fastapi import APIRouter

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import ApiViewer
from atdesk.automations.bot.queries import bot_stats, brand_articles
from atdesk.automations.bot.schemas import ArticleIn, ArticleOut, BotStatsOut
from atdesk.automations.bot.service import delete_article, save_article
from atdesk.automations.engine.deps import (
    require_reviewer,
    require_visible,
    viewed_brand,
)
from atdesk.domain.ids import RowId
from atdesk.models import (
    KbArticle,
)
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["automations"])


@router.get("/kb")
def get_articles(session: DbSession, viewer: ApiViewer, brand_id: RowId) -> list[ArticleOut]:
    """A brand's knowledge-base articles."""
    viewed_brand(session, viewer, brand_id)
    rows = brand_articles(session, brand_id)
    return [ArticleOut.model_validate(r) for r in rows]


@router.post("/kb", status_code=201)
def post_article(session: DbSession, viewer: ApiViewer, body: ArticleIn) -> ArticleOut:
    """Add an article (supervisors and admins)."""
    require_reviewer(viewer)
    brand = viewed_brand(session, viewer, body.brand_id)
    row = save_article(
        session,
        brand,
        title=body.title,
        body=body.body,
        questions=body.questions,
        enabled=body.enabled,
        actor=viewer.user,
    )
    return ArticleOut.model_validate(row)


@router.delete("/kb/{article_id}", status_code=204)
def remove_article(session: DbSession, viewer: ApiViewer, article_id: RowId) -> None:
    """Delete an article (supervisors and admins)."""
    require_reviewer(viewer)
    row = session.get(KbArticle, article_id)
    if row is None:
        raise NotVisible(f"no article {article_id}")
    require_visible(viewer, row.brand_id, f"article {article_id}")
    delete_article(session, row, actor=viewer.user)


@router.get("/bot/stats")
def get_bot_stats(session: DbSession, viewer: ApiViewer, brand_id: RowId) -> BotStatsOut:
    """Cases the bot saw, answered, handed over, and resolved without a human."""
    viewed_brand(session, viewer, brand_id)
    stats = bot_stats(session, brand_id)
    return BotStatsOut(
        cases=stats.cases,
        answered=stats.answered,
        handed_off=stats.handed_off,
        resolved_without_human=stats.resolved_without_human,
        share_without_human=round(stats.share_without_human, 4),
    )
