"""The inbox: views with counts, filters, full-text search, live rows and bulk actions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible, assignable_users, visible_brands
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.accounts.queries import users_by_id
from atdesk.cases.actions import ActionError, add_tags, assign, normalise_tags, resolve_case
from atdesk.cases.inbox import STATUSES, InboxParams, params_from, read_params
from atdesk.cases.queries import (
    VIEW_LABELS,
    CaseFilter,
    brand_counts,
    case_count,
    ids_in_view,
    inbox_counts,
    list_cases,
    tags_by_case,
    visible_cases_among,
)
from atdesk.cases.saved_views import views_for
from atdesk.domain.cases import View
from atdesk.domain.ids import parse_id
from atdesk.domain.networks import Network
from atdesk.domain.triage import Intent, Priority, Sentiment
from atdesk.models import Case, User
from atdesk.models.base import utcnow
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import form_post, see_other
from atdesk.ui.templating import flash, render

router = APIRouter(include_in_schema=False)


PAGE_SIZE = 50


LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl")


BRANDS_LISTED_ALWAYS = 12


@dataclass(frozen=True, slots=True)
class SavedLink:
    """A saved view in the inbox's list: where it leads, its live count, whether it is open."""

    id: int
    name: str
    query: str
    count_key: str
    mine: bool
    team_name: str | None
    active: bool


def _saved_links(
    session: Session, viewer: Viewer, params: InboxParams, base: CaseFilter
) -> tuple[list[SavedLink], dict[str, int], dict[str, int]]:
    """The viewer's saved views with their counts, counted in the same pass as the built-ins."""
    listed = views_for(session, viewer.user, viewer.team_ids)
    saved = {item.view.id: params_from(item.view.filters) for item in listed}
    builtin, counted = inbox_counts(
        session, base, {i: p.filter_for(viewer) for i, p in saved.items()}
    )
    current = params.filters()
    links = [
        SavedLink(
            id=item.view.id,
            name=item.view.name,
            query=saved[item.view.id].query(page=None),
            count_key=f"saved-{item.view.id}",
            mine=item.mine,
            team_name=item.team_name,
            active=saved[item.view.id].filters() == current,
        )
        for item in listed
    ]
    counts = {v.value: n for v, n in builtin.items()}
    return links, counts, {f"saved-{i}": n for i, n in counted.items()}


def _rows_context(session: Session, viewer: Viewer, params: InboxParams) -> dict[str, Any]:
    f = params.filter_for(viewer)
    cases, total = list_cases(session, f, limit=PAGE_SIZE, offset=(params.page - 1) * PAGE_SIZE)
    ids = [c.id for c in cases]
    tags = tags_by_case(session, ids)
    assignees = users_by_id(session, {c.assignee_id for c in cases if c.assignee_id})
    saved_views, counts, saved_counts = _saved_links(session, viewer, params, f)
    counts = {**counts, **saved_counts}
    return {
        "cases": cases,
        "total": total,
        "tags": tags,
        "assignees": assignees,
        "counts": counts,
        "counts_json": json.dumps(counts),
        "saved_views": saved_views,
        "brand_counts": brand_counts(session, f),
        "params": params,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "now": utcnow(),
    }


@router.get("/", response_class=HTMLResponse)
def inbox(request: Request, session: DbSession, viewer: PageViewer) -> HTMLResponse:
    """The inbox page: views, filters, search and the most pressing cases first."""
    params = read_params(request)
    context = _rows_context(session, viewer, params)
    shown = request.query_params.get("saved", "")
    return render(
        request,
        "inbox.html",
        {
            **context,
            **_sidebar_brands(session, viewer, params, context["brand_counts"]),
            "history_matches": _history_matches(session, viewer, params),
            "views": [(v, VIEW_LABELS[v]) for v in View],
            "intents": [i.value for i in Intent],
            "sentiments": [s.value for s in Sentiment],
            "priorities": [p.value for p in reversed(Priority)],
            "languages": LANGUAGES,
            "networks": [n.value for n in Network],
            "statuses": STATUSES,
            "teammates": assignable_users(session, viewer.brand_ids),
            "no_teams": viewer.brand_ids is not None and not viewer.brand_ids,
            "shown_view": next(
                (s for s in context["saved_views"] if s.mine and str(s.id) == shown), None
            ),
        },
        session=session,
    )


def _sidebar_brands(
    session: Session, viewer: Viewer, params: InboxParams, counts: Mapping[int, int]
) -> dict[str, Any]:
    """Working brands first; brands only a replay made go in a collapsed group (ADR 73),
    each with its history count and a link to its history."""
    every = visible_brands(session, viewer.brand_ids)
    in_history = params.view is View.HISTORY
    working = [b for b in every if not b.replay_only or (b.id in counts and not in_history)]
    if len(working) > BRANDS_LISTED_ALWAYS:
        working = [b for b in working if b.id in counts or b.id == params.brand_id]
    replay = [b for b in every if b.replay_only]
    history = (
        counts
        if in_history
        else brand_counts(session, replace(params.filter_for(viewer), view=View.HISTORY))
        if replay
        else {}
    )
    return {
        "brands": working,
        "replay_brands": replay,
        "replay_counts": history,
        "replay_open": any(b.id == params.brand_id for b in replay),
    }


def _history_matches(session: Session, viewer: Viewer, params: InboxParams) -> int:
    """How many history cases a search outside the History view would also find (one count)."""
    if not params.q or params.view is View.HISTORY:
        return 0
    f = replace(params.filter_for(viewer), view=View.HISTORY)
    return case_count(session, f)


@router.get("/inbox/rows", response_class=HTMLResponse)
def inbox_rows(request: Request, session: DbSession, viewer: PageViewer) -> HTMLResponse:
    """Just the rows and counts, for live updates without a reload."""
    params = read_params(request)
    return render(request, "_inbox_rows.html", _rows_context(session, viewer, params))


@router.get("/inbox/ids")
def inbox_ids(request: Request, session: DbSession, viewer: PageViewer) -> dict[str, list[int]]:
    """Case ids of the current view in order, for j/k from one case page to the next."""
    params = read_params(request)
    return {"ids": ids_in_view(session, params.filter_for(viewer))}


def _selected(session: Session, viewer: Viewer, raw: list[str]) -> list[Case]:
    """The selected cases; one outside the viewer's brands refuses the whole action (404)."""
    ids = sorted({i for i in map(parse_id, raw) if i is not None})
    if not ids:
        return []
    found = visible_cases_among(session, ids, viewer.brand_ids)
    missing = sorted(set(ids) - {c.id for c in found})
    if missing:
        raise NotVisible(f"no case {missing[0]} in your brands")
    return found


@router.post("/inbox/bulk", dependencies=[CsrfChecked])
def bulk(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    action: Annotated[str, Form()],
    case_ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads the default)
    assignee_id: Annotated[str, Form()] = "",
    tags: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/",
) -> RedirectResponse:
    """Assign, tag or resolve the selected cases at once; each change audited per case."""
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    cases = _selected(session, viewer, case_ids)
    if not cases:
        flash(request, "Select cases first (x, or the checkboxes).", "warn")
        return see_other(target)

    def apply() -> str:
        if action == "assign":
            user = _assignee(session, viewer, assignee_id)
            changed = sum(assign(session, c, user, actor=viewer.user) for c in cases)
            who = user.display_name if user else "nobody"
            return f"Assigned {changed} case(s) to {who}."
        if action == "tag":
            names = normalise_tags([tags])
            if not names:
                raise ActionError("type one or more tags, separated by commas")
            changed = sum(bool(add_tags(session, c, names, actor=viewer.user)) for c in cases)
            return f"Tagged {changed} case(s) {', '.join(names)}."
        if action == "resolve":
            changed = sum(resolve_case(session, c, actor=viewer.user) for c in cases)
            return f"Resolved {changed} case(s)."
        raise ActionError(f"unknown action {action!r}")

    return form_post(request, session, apply, back=target, refused=(ActionError,))


def _assignee(session: Session, viewer: Viewer, raw: str) -> User | None:
    """The user picked in an assign control: '' nobody, 'me' the viewer, else an id."""
    if raw in ("", "none"):
        return None
    if raw == "me":
        return viewer.user
    user_id = parse_id(raw)
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or user.id not in {u.id for u in assignable_users(session, viewer.brand_ids)}:
        raise ActionError("pick someone from your teams")
    return user
