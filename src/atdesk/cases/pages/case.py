"""The case page: the whole conversation, the customer, clocks, audit trail and the composer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from atdesk.accounts.access import assignable_users
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.accounts.queries import users_by_id
from atdesk.cases.access import visible_case
from atdesk.cases.actions import CORRECTABLE, case_tags
from atdesk.cases.automated import case_automation
from atdesk.cases.presence import viewers_of
from atdesk.cases.queries import (
    case_audit,
    case_notes,
    case_posts,
    customer_authors,
    customer_handles,
    other_cases_of,
    unsent_drafts,
)
from atdesk.domain.ids import RowId
from atdesk.domain.triage import Intent, Priority, Sentiment
from atdesk.models import Author, Case, Customer, CustomerHandle, User
from atdesk.models import Post as PostRow
from atdesk.models.base import utcnow
from atdesk.ui.deps import DbSession
from atdesk.ui.templating import render

router = APIRouter(include_in_schema=False)
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "ja", "ar")

# What capabilities above cases add to the case page (the composer: its counter, macros and the
# draft kept after a refusal), each given the composer state the route passed through.
CasePanel = Callable[[Session, Viewer, Case, object], dict[str, Any]]
CASE_PANELS: list[CasePanel] = []


def add_case_panel(panel: CasePanel) -> None:
    """Let a capability add to the case page's context (once per panel)."""
    if panel not in CASE_PANELS:
        CASE_PANELS.append(panel)


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of the case timeline: a post, an internal note or a reply draft."""

    kind: str
    at: datetime
    obj: Any


def _customer_panel(session: Session, case: Case) -> dict[str, Any]:
    author = case.customer_author
    customer_id = case.customer_id or author.customer_id
    customer = session.get(Customer, customer_id) if customer_id else None
    if customer is not None:
        authors: Sequence[Author] = customer_authors(session, customer.id)
        handles: Sequence[CustomerHandle] = customer_handles(session, customer.id)
        author_ids = [a.id for a in authors] or [author.id]
    else:
        authors, handles = [author], []
        author_ids = [author.id]
    linked = {(a.network, a.handle.lower()): a.handle for a in authors}
    for h in handles:
        linked.setdefault((h.network, h.handle.lower()), h.handle)
    past = other_cases_of(
        session,
        case.id,
        customer_id=customer.id if customer is not None else None,
        author_ids=author_ids,
    )
    return {
        "author": author,
        "customer": customer,
        "linked": sorted((n, h) for (n, _), h in linked.items()),
        "past_cases": past,
        "followers": max([a.followers for a in authors] or [author.followers]),
        "verified": any(a.verified for a in authors),
    }


def _timeline(session: Session, case: Case, posts: list[PostRow]) -> list[Item]:
    items = [Item("post", p.created_at, p) for p in posts]
    items += [Item("note", n.created_at, n) for n in case_notes(session, case.id)]
    items += [Item("draft", d.created_at, d) for d in unsent_drafts(session, case.id)]
    return sorted(items, key=lambda i: (i.at, i.kind != "post"))


def case_context(
    session: Session, viewer: Viewer, case: Case, composer: object = None
) -> dict[str, Any]:
    """Everything the case page renders; the panels registered above add theirs (the composer).

    `composer` is the composer's own state (respond.pages.composer.Composer), passed through.
    """
    posts = list(case_posts(session, case))
    inbound = [p for p in posts if p.inbound and p.filtered_reason is None]
    public_targets = [p for p in inbound if not p.direct]
    senders = {p.sent_by_user_id for p in posts if p.sent_by_user_id}
    automation = case_automation(session, case.id)
    context: dict[str, Any] = {
        "case": case,
        "items": _timeline(session, case, posts),
        "senders": users_by_id(session, senders),
        "automated": automation.posts,
        "automated_drafts": automation.drafts,
        "audit": case_audit(session, case.id),
        "tags": case_tags(session, case.id),
        "panel": _customer_panel(session, case),
        "teammates": [u for u in assignable_users(session, frozenset({case.brand_id})) if u.active],
        "assignee": session.get(User, case.assignee_id) if case.assignee_id else None,
        "public_targets": public_targets,
        "viewers": viewers_of(session, case.id, exclude=viewer.user.id),
        "intents": [i.value for i in Intent],
        "sentiments": [s.value for s in Sentiment],
        "priorities": [p.value for p in reversed(Priority)],
        "correctable": CORRECTABLE,
        "languages": LANGUAGES,
        "now": utcnow(),
    }
    for panel in CASE_PANELS:
        context.update(panel(session, viewer, case, composer))
    return context


def render_case(
    request: Request,
    session: Session,
    viewer: Viewer,
    case: Case,
    composer: object = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The case page, optionally with a refused draft kept in the composer."""
    context = case_context(session, viewer, case, composer)
    return render(request, "case.html", context, status_code=status_code, session=session)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    case_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> HTMLResponse:
    """The case page."""
    case = visible_case(session, viewer.user, case_id)
    return render_case(request, session, viewer, case, request.query_params.get("mode"))


@router.get("/cases/{case_id}/thread", response_class=HTMLResponse)
def case_thread(
    case_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> HTMLResponse:
    """The thread and side panels alone, for live refresh."""
    case = visible_case(session, viewer.user, case_id)
    context = case_context(session, viewer, case)
    return render(request, "_case_live.html", context)
