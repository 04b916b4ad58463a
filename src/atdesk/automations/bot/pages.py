"""Staff pages for the knowledge base the bot answers from, with the bot's numbers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import PageViewer
from atdesk.automations.bot.queries import bot_stats, brand_articles
from atdesk.automations.bot.service import ArticleError, delete_article, save_article
from atdesk.automations.engine.deps import automation_page, need_reviewer, pick_brand
from atdesk.domain.ids import RowId
from atdesk.models import (
    KbArticle,
)
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import see_other
from atdesk.ui.templating import flash

router = APIRouter(prefix="/automations", include_in_schema=False)


@router.get("/kb", response_class=HTMLResponse)
def kb_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: RowId | None = None,
    article_id: RowId | None = None,
) -> HTMLResponse:
    """The brand's articles, the one being edited, and how the bot did."""
    brand, brands = pick_brand(session, viewer, brand_id)
    articles = brand_articles(session, brand.id)
    editing = session.get(KbArticle, article_id) if article_id else None
    return automation_page(
        request,
        session,
        "kb.html",
        "kb",
        brand,
        brands,
        articles=articles,
        editing=editing if editing and editing.brand_id == brand.id else None,
        stats=bot_stats(session, brand.id),
    )


@router.post("/kb", dependencies=[CsrfChecked])
def save_article_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: Annotated[RowId, Form()],
    title: Annotated[str, Form()],
    body: Annotated[str, Form()],
    questions: Annotated[str, Form()] = "",
    enabled: Annotated[str, Form()] = "",
    article_id: Annotated[RowId | None, Form()] = None,
    delete: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Add, change or delete an article."""
    need_reviewer(viewer)
    brand, _ = pick_brand(session, viewer, brand_id)
    article = session.get(KbArticle, article_id) if article_id else None
    if article is not None and article.brand_id != brand.id:
        raise NotVisible(f"no article {article_id} for {brand.name}")
    try:
        if delete and article is not None:
            delete_article(session, article, actor=viewer.user)
            flash(request, f"Article “{article.title}” deleted.")
        else:
            saved = save_article(
                session,
                brand,
                title=title,
                body=body,
                questions=questions,
                enabled=bool(enabled),
                actor=viewer.user,
                article=article,
            )
            flash(request, f"Article “{saved.title}” saved.")
    except ArticleError as exc:
        flash(request, str(exc), "error")
    return see_other(f"/automations/kb?brand_id={brand.id}")
