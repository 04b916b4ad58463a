"""The case page: the whole conversation, the customer, clocks, audit trail and the composer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import assignable_users
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.cases.access import visible_case
from atdesk.cases.actions import CORRECTABLE, case_tags
from atdesk.cases.automated import case_automation
from atdesk.cases.queries import case_audit, case_posts
from atdesk.domain.ids import MAX_ID, RowId, parse_id
from atdesk.domain.triage import Intent, Priority, Sentiment
from atdesk.models import Author, Case, CaseNote, Customer, CustomerHandle, ReplyDraft, User
from atdesk.models import Post as PostRow
from atdesk.models.base import utcnow
from atdesk.respond.limits import measure
from atdesk.respond.macros import macros_for
from atdesk.respond.outbox import Outbox
from atdesk.respond.pii import check_public_reply
from atdesk.respond.service import Outcome, ReplyRequest, known_pii, move_to_dm, submit_reply
from atdesk.respond.suggest import suggestions_for
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.templating import flash, render
from atdesk.web.presence import viewers_of

router = APIRouter(include_in_schema=False)
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "ja", "ar")


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of the case timeline: a post, an internal note or a reply draft."""

    kind: str
    at: datetime
    obj: Any


@dataclass(frozen=True, slots=True)
class Composer:
    """What the composer shows: mode, text kept after a refusal, and the last outcome."""

    mode: str = "public"
    text: str = ""
    outcome: Outcome | None = None
    reply_to_post_id: int | None = None


def outbox_of(request: Request) -> Outbox:
    """The app's outbox (the channel clients; tests may swap it)."""
    outbox: Outbox = request.app.state.outbox
    return outbox


def _customer_panel(session: Session, case: Case) -> dict[str, Any]:
    author = case.customer_author
    customer_id = case.customer_id or author.customer_id
    customer = session.get(Customer, customer_id) if customer_id else None
    if customer is not None:
        authors = session.scalars(select(Author).where(Author.customer_id == customer.id)).all()
        handles = session.scalars(
            select(CustomerHandle).where(CustomerHandle.customer_id == customer.id)
        ).all()
        author_ids = [a.id for a in authors] or [author.id]
        scope = or_(Case.customer_id == customer.id, Case.customer_author_id.in_(author_ids))
    else:
        authors, handles = [author], []
        scope = Case.customer_author_id == author.id
    linked = {(a.network, a.handle.lower()): a.handle for a in authors}
    for h in handles:
        linked.setdefault((h.network, h.handle.lower()), h.handle)
    past = session.scalars(
        select(Case).where(scope, Case.id != case.id).order_by(Case.opened_at.desc()).limit(8)
    ).all()
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
    items += [
        Item("note", n.created_at, n)
        for n in session.scalars(select(CaseNote).where(CaseNote.case_id == case.id))
    ]
    items += [
        Item("draft", d.created_at, d)
        for d in session.scalars(
            select(ReplyDraft).where(ReplyDraft.case_id == case.id, ReplyDraft.status != "sent")
        )
    ]
    return sorted(items, key=lambda i: (i.at, i.kind != "post"))


def case_context(
    session: Session, viewer: Viewer, case: Case, composer: Composer
) -> dict[str, Any]:
    """Everything the case page renders."""
    posts = list(case_posts(session, case))
    inbound = [p for p in posts if p.inbound and p.filtered_reason is None]
    public_targets = [p for p in inbound if not p.direct]
    measured = measure(
        case.network,
        composer.text,
        private=composer.mode == "private",
        recipient_handle=case.customer_author.handle,
    )
    senders = {p.sent_by_user_id for p in posts if p.sent_by_user_id}
    automation = case_automation(session, case.id)
    return {
        "case": case,
        "items": _timeline(session, case, posts),
        "senders": {u.id: u for u in session.scalars(select(User).where(User.id.in_(senders)))},
        "automated": automation.posts,
        "automated_drafts": automation.drafts,
        "audit": case_audit(session, case.id),
        "tags": case_tags(session, case.id),
        "panel": _customer_panel(session, case),
        "teammates": [u for u in assignable_users(session, frozenset({case.brand_id})) if u.active],
        "assignee": session.get(User, case.assignee_id) if case.assignee_id else None,
        "macros": macros_for(session, case, viewer.user),
        "composer": composer,
        "measured": measured,
        "public_targets": public_targets,
        "viewers": viewers_of(session, case.id, exclude=viewer.user.id),
        "intents": [i.value for i in Intent],
        "sentiments": [s.value for s in Sentiment],
        "priorities": [p.value for p in reversed(Priority)],
        "correctable": CORRECTABLE,
        "languages": LANGUAGES,
        "now": utcnow(),
    }


def render_case(
    request: Request,
    session: Session,
    viewer: Viewer,
    case: Case,
    composer: Composer | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The case page, optionally with a refused draft kept in the composer."""
    context = case_context(session, viewer, case, composer or Composer())
    return render(request, "case.html", context, status_code=status_code, session=session)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    case_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> HTMLResponse:
    """The case page."""
    case = visible_case(session, viewer.user, case_id)
    mode = request.query_params.get("mode", "public")
    return render_case(
        request, session, viewer, case, Composer(mode="private" if mode == "private" else "public")
    )


@router.get("/cases/{case_id}/thread", response_class=HTMLResponse)
def case_thread(
    case_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> HTMLResponse:
    """The thread and side panels alone, for live refresh."""
    case = visible_case(session, viewer.user, case_id)
    context = case_context(session, viewer, case, Composer())
    return render(request, "_case_live.html", context)


@router.get("/cases/{case_id}/suggestions", response_class=HTMLResponse)
def suggestions(
    case_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> HTMLResponse:
    """Suggested replies, fetched after the page so they never slow it down."""
    case = visible_case(session, viewer.user, case_id)
    found = suggestions_for(session, case, viewer.user)
    return render(request, "_suggestions.html", {"suggestions": found})


@router.post("/cases/{case_id}/reply", dependencies=[CsrfChecked], response_model=None)
def reply(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    text: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "public",
    version: Annotated[int, Form(ge=-1, le=MAX_ID)] = -1,
    reply_to_post_id: Annotated[str, Form()] = "",
    confirm_pii: Annotated[str, Form()] = "",
) -> Response:
    """Send (or hold) a reply; a refusal re-renders the page with the text kept and why."""
    case = visible_case(session, viewer.user, case_id)
    target = parse_id(reply_to_post_id)
    outcome = submit_reply(
        session,
        case,
        viewer.user,
        ReplyRequest(text, mode, version, target, confirm_pii == "1"),
        outbox_of(request),
    )
    if outcome.ok:
        flash(request, outcome.message, "ok" if outcome.status == "sent" else "warn")
        keep = "?mode=private" if mode == "private" else ""
        return RedirectResponse(f"/cases/{case.id}{keep}#composer", status_code=303)
    code = 409 if "while you were writing" in outcome.message else 422
    return render_case(
        request, session, viewer, case, Composer(mode, text, outcome, target), status_code=code
    )


@router.post("/cases/{case_id}/move-to-dm", dependencies=[CsrfChecked], response_model=None)
def move_case_to_dm(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    version: Annotated[int, Form(ge=-1, le=MAX_ID)] = -1,
) -> Response:
    """One click: a public reply with the way into a private chat."""
    case = visible_case(session, viewer.user, case_id)
    outcome = move_to_dm(session, case, viewer.user, version, outbox_of(request))
    if outcome.ok:
        flash(request, f"Moved to private messages. {outcome.message}")
        return RedirectResponse(f"/cases/{case.id}?mode=private#composer", status_code=303)
    return render_case(
        request, session, viewer, case, Composer("public", "", outcome), status_code=422
    )


@router.post("/compose/measure", dependencies=[CsrfChecked])
def measure_draft(
    session: DbSession,
    viewer: PageViewer,
    case_id: Annotated[RowId, Form()],
    text: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "public",
) -> dict[str, Any]:
    """The live counter and PII warnings, computed with the same rules the send uses."""
    case = visible_case(session, viewer.user, case_id)
    private = mode == "private"
    measured = measure(
        case.network, text, private=private, recipient_handle=case.customer_author.handle
    )
    findings = []
    if not private and text.strip():
        allowed = (case.brand.settings or {}).get("public_contacts", [])
        findings = check_public_reply(text, known_pii(session, case), allowed=allowed)
    return {
        "length": measured.length,
        "limit": measured.limit,
        "remaining": measured.remaining,
        "valid": measured.valid,
        "rule": measured.rule,
        "pii": [{"kind": f.kind, "value": f.value, "customers": f.customers} for f in findings],
    }
