"""Admin pages: people and roles, teams, brands and their network accounts, SLA, macros."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible, may_see_brand, visible_brands
from atdesk.accounts.deps import AdminViewer, ReviewerViewer, Viewer, session_id_of
from atdesk.accounts.passwords import WeakPassword
from atdesk.accounts.service import AccountError, create_user, set_password, update_user
from atdesk.accounts.teams import create_team, set_auto_assign, set_brands, set_members, set_skills
from atdesk.brands.service import BrandError, add_account, adopt_brand, create_brand
from atdesk.cases.brand_rules import RuleError, update_rules
from atdesk.cases.calendar import week_from_json
from atdesk.cases.policies import (
    PolicyError,
    add_holiday,
    brand_targets,
    remove_holiday,
    set_hours,
    set_targets,
)
from atdesk.cases.sla import Targets
from atdesk.domain.cases import Role
from atdesk.domain.ids import RowId, parse_id
from atdesk.domain.networks import parse_network
from atdesk.domain.triage import Intent, Priority
from atdesk.models import (
    AgentProfile,
    Brand,
    BusinessCalendar,
    ChannelAccount,
    Holiday,
    Macro,
    Team,
    TeamBrand,
    TeamMember,
    User,
)
from atdesk.respond.credentials import CredentialsError, connect, is_connected, remove
from atdesk.respond.macros import VARIABLES, MacroError, delete_macro, save_macro
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.paging import listing_params, name_matches, paginate
from atdesk.ui.templating import flash, render

router = APIRouter(prefix="/admin", include_in_schema=False)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
USER_ERRORS = (AccountError, WeakPassword, BrandError, RuleError, PolicyError, CredentialsError)


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _teams_by_user(session: Session) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for user_id, name in session.execute(
        select(TeamMember.user_id, Team.name).join(Team, Team.id == TeamMember.team_id)
    ):
        out.setdefault(user_id, []).append(name)
    return out


# --- users ---------------------------------------------------------------------------------


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: DbSession, viewer: AdminViewer) -> HTMLResponse:
    """Everyone who works in atdesk, their roles, teams and routing skills (a page at a time)."""
    q, page = listing_params(request)
    query = select(User).order_by(User.username)
    matching = name_matches(q, User.username, User.display_name)
    listing = paginate(
        session, query if matching is None else query.where(matching), q=q, page=page
    )
    people: list[User] = listing.items
    profiles = {
        p.user_id: p
        for p in session.scalars(
            select(AgentProfile).where(AgentProfile.user_id.in_([u.id for u in people]))
        )
    }
    return render(
        request,
        "admin/users.html",
        {
            "tab": "users",
            "listing": listing,
            "people": people,
            "profiles": profiles,
            "teams_of": _teams_by_user(session),
            "roles": [r.value for r in Role],
            "intents": [i.value for i in Intent],
        },
        session=session,
    )


@router.post("/users", dependencies=[CsrfChecked])
def add_user(
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
    display_name: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Create a login; the password is stored as an argon2 hash only."""
    try:
        user = create_user(
            session,
            username=username.strip(),
            password=password,
            role=Role(role),
            display_name=display_name.strip(),
        )
        set_skills(session, user, languages=[], intents=[], capacity=8, actor=viewer.user)
    except (*USER_ERRORS, ValueError) as exc:
        session.rollback()
        flash(request, str(exc), "error")
    else:
        flash(request, f"Created {user.username} ({user.role}).")
    return _go("/admin/users")


@router.post("/users/{user_id}", dependencies=[CsrfChecked])
def edit_user(
    user_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    role: Annotated[str, Form()],
    display_name: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
    languages: Annotated[str, Form()] = "",
    intents: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads the default)
    capacity: Annotated[str, Form()] = "8",
    password: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Role, name, active, routing skills and capacity; a new password when one is typed."""
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(404, f"no user {user_id}")
    try:
        update_user(
            session,
            user,
            actor=viewer.user,
            role=Role(role),
            display_name=display_name,
            active=active == "1",
        )
        set_skills(
            session,
            user,
            languages=languages.replace(",", " ").split(),
            intents=intents,
            capacity=int(capacity) if capacity.strip().isdigit() else -1,
            actor=viewer.user,
        )
        if password:
            mine = session_id_of(request) if user.id == viewer.user.id else None
            set_password(session, user, password, actor=viewer.user, keep_session=mine)
    except (*USER_ERRORS, ValueError) as exc:
        session.rollback()
        flash(request, str(exc), "error")
    else:
        flash(request, f"Saved {user.username}.")
    return _go("/admin/users")


# --- teams ---------------------------------------------------------------------------------


@router.get("/teams", response_class=HTMLResponse)
def teams(request: Request, session: DbSession, viewer: AdminViewer) -> HTMLResponse:
    """Teams with their members and brands."""
    all_teams = session.scalars(select(Team).order_by(Team.name)).all()
    members: dict[int, set[int]] = {}
    for team_id, user_id in session.execute(select(TeamMember.team_id, TeamMember.user_id)):
        members.setdefault(team_id, set()).add(user_id)
    brands: dict[int, set[int]] = {}
    for team_id, brand_id in session.execute(select(TeamBrand.team_id, TeamBrand.brand_id)):
        brands.setdefault(team_id, set()).add(brand_id)
    return render(
        request,
        "admin/teams.html",
        {
            "tab": "teams",
            "teams": all_teams,
            "members": members,
            "team_brands": brands,
            "people": session.scalars(
                select(User).where(User.active.is_(True)).order_by(User.username)
            ).all(),
            "brands": session.scalars(select(Brand).order_by(Brand.name)).all(),
        },
        session=session,
    )


@router.post("/teams", dependencies=[CsrfChecked])
def add_team(
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    name: Annotated[str, Form()],
) -> RedirectResponse:
    """A new team (add members and brands next)."""
    try:
        create_team(session, name, actor=viewer.user)
    except AccountError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"Team {name.strip()} created; now pick its members and brands.")
    return _go("/admin/teams")


@router.post("/teams/{team_id}", dependencies=[CsrfChecked])
def edit_team(
    team_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    members: Annotated[list[RowId], Form()] = [],  # noqa: B006
    brands: Annotated[list[RowId], Form()] = [],  # noqa: B006
    auto_assign: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Members, brands and round-robin routing of one team."""
    team = session.get(Team, team_id)
    if team is None:
        raise HTTPException(404, f"no team {team_id}")
    try:
        set_members(session, team, members, actor=viewer.user)
        set_brands(session, team, brands, actor=viewer.user)
        set_auto_assign(session, team, auto_assign == "1", actor=viewer.user)
    except AccountError as exc:
        session.rollback()
        flash(request, str(exc), "error")
    else:
        flash(request, f"Saved team {team.name}.")
    return _go("/admin/teams")


# --- brands and their network accounts ------------------------------------------------------


BRAND_KINDS = ("working", "replay")


@router.get("/brands", response_class=HTMLResponse)
def brands(request: Request, session: DbSession, viewer: AdminViewer) -> HTMLResponse:
    """Brands, their rules and their accounts on each network; working brands before the
    ones a history replay registered (ADR 73), a page at a time, searchable by name."""
    q, page = listing_params(request)
    kind = request.query_params.get("kind", "")
    kind = kind if kind in BRAND_KINDS else ""
    query = select(Brand).order_by(Brand.replay_only, Brand.name)
    if kind:
        query = query.where(Brand.replay_only.is_(kind == "replay"))
    matching = name_matches(q, Brand.name)
    if matching is not None:
        query = query.where(matching)
    listing = paginate(session, query, q=q, page=page, keep={"kind": kind})
    shown: list[Brand] = listing.items
    accounts: dict[int, list[ChannelAccount]] = {}
    for account in session.scalars(
        select(ChannelAccount)
        .where(ChannelAccount.brand_id.in_([b.id for b in shown]))
        .order_by(ChannelAccount.network)
    ):
        accounts.setdefault(account.brand_id, []).append(account)
    kinds = _brand_kinds(session, matching)
    return render(
        request,
        "admin/brands.html",
        {
            "tab": "brands",
            "listing": listing,
            "kind": kind,
            "kind_counts": {
                "": sum(kinds.values()),
                "working": kinds.get(False, 0),
                "replay": kinds.get(True, 0),
            },
            "brands": shown,
            "accounts": accounts,
            "connected": is_connected,
            "intents": [i.value for i in Intent],
        },
        session=session,
    )


def _brand_kinds(session: Session, matching: ColumnElement[bool] | None) -> dict[bool, int]:
    """How many brands (matching the search) are working ones and replay ones, in one query."""
    query = select(Brand.replay_only, func.count(Brand.id)).group_by(Brand.replay_only)
    rows = session.execute(query if matching is None else query.where(matching))
    return {bool(replay): int(n) for replay, n in rows}


def _brand_page(brand: Brand) -> str:
    """Where a brand's section is after a change: its name searched, whatever page it was on."""
    return f"/admin/brands?{urlencode({'q': brand.name})}#brand-{brand.id}"


@router.post("/brands", dependencies=[CsrfChecked])
def add_brand(
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    name: Annotated[str, Form()],
) -> RedirectResponse:
    """A new brand (add its network accounts next)."""
    try:
        create_brand(session, name)
    except BrandError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"Brand {name.strip()} created; add its accounts on each network.")
        return _go(f"/admin/brands?{urlencode({'q': name.strip()})}")
    return _go("/admin/brands")


def _brand(session: Session, brand_id: int) -> Brand:
    brand = session.get(Brand, brand_id)
    if brand is None:
        raise HTTPException(404, f"no brand {brand_id}")
    return brand


@router.post("/brands/{brand_id}/rules", dependencies=[CsrfChecked])
def brand_rules(
    brand_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    watched_handles: Annotated[str, Form()] = "",
    sensitive_keywords: Annotated[str, Form()] = "",
    approval_intents: Annotated[list[str], Form()] = [],  # noqa: B006
    high_reach_followers: Annotated[str, Form()] = "",
    public_contacts: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Executives, sensitivity rules and the brand's own contacts."""
    brand = _brand(session, brand_id)
    try:
        update_rules(
            session,
            brand,
            watched_handles=watched_handles,
            sensitive_keywords=sensitive_keywords,
            approval_intents=approval_intents,
            high_reach_followers=high_reach_followers,
            public_contacts=public_contacts,
            actor=viewer.user,
        )
    except RuleError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"Saved the rules of {brand.name}.")
    return _go(_brand_page(brand))


@router.post("/brands/{brand_id}/accounts", dependencies=[CsrfChecked])
def brand_account(
    brand_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    network: Annotated[str, Form()],
    handle: Annotated[str, Form()],
    native_user_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Attach a network account to the brand (posts to it become the brand's cases)."""
    brand = _brand(session, brand_id)
    try:
        add_account(session, brand, parse_network(network), handle, native_user_id.strip() or None)
    except (BrandError, ValueError) as exc:
        flash(request, str(exc), "error")
    else:
        adopt_brand(session, brand, actor=viewer.user)
        flash(request, f"Added {network} account @{handle.strip().lstrip('@')} to {brand.name}.")
    return _go(_brand_page(brand))


def _account(session: Session, account_id: int) -> ChannelAccount:
    account = session.get(ChannelAccount, account_id)
    if account is None:
        raise HTTPException(404, f"no account {account_id}")
    return account


@router.post("/accounts/{account_id}/connect", dependencies=[CsrfChecked])
def connect_account(
    account_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    token: Annotated[str, Form()] = "",
    base_url: Annotated[str, Form()] = "",
    native_user_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Store credentials so replies can go out through this account."""
    account = _account(session, account_id)
    try:
        connect(
            session,
            account,
            token=token,
            base_url=base_url,
            native_user_id=native_user_id,
            actor=viewer.user,
        )
    except CredentialsError as exc:
        flash(request, str(exc), "error")
    else:
        adopt_brand(session, account.brand, actor=viewer.user)
        flash(request, f"Connected @{account.handle} on {account.network}.")
    return _go(_brand_page(account.brand))


@router.post("/accounts/{account_id}/remove", dependencies=[CsrfChecked])
def remove_account(
    account_id: RowId, request: Request, session: DbSession, viewer: AdminViewer
) -> RedirectResponse:
    """Remove an account from its brand."""
    account = _account(session, account_id)
    brand = account.brand
    remove(session, account, actor=viewer.user)
    flash(request, f"Removed @{account.handle} ({account.network}).")
    return _go(_brand_page(brand))


# --- SLA -----------------------------------------------------------------------------------


@router.get("/sla", response_class=HTMLResponse)
def sla(request: Request, session: DbSession, viewer: AdminViewer) -> HTMLResponse:
    """Each brand's targets by priority, opening hours and holidays (working brands first)."""
    all_brands = session.scalars(select(Brand).order_by(Brand.replay_only, Brand.name)).all()
    chosen_id = request.query_params.get("brand_id", "")
    brand = next(
        (b for b in all_brands if str(b.id) == chosen_id), all_brands[0] if all_brands else None
    )
    context: dict[str, Any] = {"tab": "sla", "brands": all_brands, "brand": brand}
    if brand is not None:
        calendar = session.get(BusinessCalendar, brand.id)
        week = week_from_json(calendar.week) if calendar else {}
        context.update(
            targets=brand_targets(session, brand.id),
            priorities=[p.value for p in reversed(Priority)],
            timezone=calendar.timezone if calendar else "UTC",
            week=[(i, WEEKDAYS[i], week.get(i, [])[0] if week.get(i) else None) for i in range(7)],
            holidays=session.scalars(
                select(Holiday).where(Holiday.brand_id == brand.id).order_by(Holiday.day)
            ).all(),
        )
    return render(request, "admin/sla.html", context, session=session)


@router.post("/sla/{brand_id}/targets", dependencies=[CsrfChecked])
async def sla_targets(
    brand_id: RowId, request: Request, session: DbSession, viewer: AdminViewer
) -> RedirectResponse:
    """Targets in business minutes for each priority."""
    form = await request.form()
    brand = _brand(session, brand_id)
    try:
        targets = {
            p.value: Targets(
                int(str(form.get(f"{p.value}_first", "0")) or 0),
                int(str(form.get(f"{p.value}_next", "0")) or 0),
                int(str(form.get(f"{p.value}_resolution", "0")) or 0),
            )
            for p in Priority
        }
        set_targets(session, brand, targets, actor=viewer.user)
    except (PolicyError, ValueError) as exc:
        session.rollback()
        flash(request, f"Not saved: {exc}", "error")
    else:
        flash(request, f"Saved SLA targets of {brand.name}; open cases follow them now.")
    return _go(f"/admin/sla?brand_id={brand_id}")


@router.post("/sla/{brand_id}/hours", dependencies=[CsrfChecked])
async def sla_hours(
    brand_id: RowId, request: Request, session: DbSession, viewer: AdminViewer
) -> RedirectResponse:
    """Opening hours per weekday in the brand's time zone (empty everywhere: 24/7)."""
    form = await request.form()
    brand = _brand(session, brand_id)
    week: dict[str, list[list[str]]] = {}
    for i in range(7):
        start, end = str(form.get(f"d{i}_from", "")), str(form.get(f"d{i}_to", ""))
        if start and end:
            week[str(i)] = [[start, end]]
    try:
        set_hours(
            session,
            brand,
            timezone=str(form.get("timezone", "UTC")).strip(),
            week=week,
            actor=viewer.user,
        )
    except PolicyError as exc:
        session.rollback()
        flash(request, f"Not saved: {exc}", "error")
    else:
        flash(request, f"Saved opening hours of {brand.name}.")
    return _go(f"/admin/sla?brand_id={brand_id}")


@router.post("/sla/{brand_id}/holidays", dependencies=[CsrfChecked])
def sla_holiday(
    brand_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    day: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    remove_day: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Add a holiday, or remove one."""
    brand = _brand(session, brand_id)
    try:
        when = date.fromisoformat(day)
        if remove_day == "1":
            remove_holiday(session, brand, when, actor=viewer.user)
        else:
            add_holiday(session, brand, when, name, actor=viewer.user)
    except (PolicyError, ValueError) as exc:
        session.rollback()
        flash(request, f"Not saved: {exc}", "error")
    return _go(f"/admin/sla?brand_id={brand_id}")


# --- macros (supervisors too) ----------------------------------------------------------------


@router.get("/macros", response_class=HTMLResponse)
def macros(request: Request, session: DbSession, viewer: ReviewerViewer) -> HTMLResponse:
    """Saved replies of the viewer's brands, and those for every brand (admins change those)."""
    rows = session.scalars(
        select(Macro)
        .where(or_(_macro_in_brands(viewer), Macro.brand_id.is_(None)))
        .order_by(Macro.name)
    ).all()
    return render(
        request,
        "admin/macros.html",
        {
            "tab": "macros",
            "macros": rows,
            "brands": {b.id: b for b in visible_brands(session, viewer.brand_ids)},
            "variables": VARIABLES,
        },
        session=session,
    )


def _macro_in_brands(viewer: Viewer) -> ColumnElement[bool]:
    """Macros of the viewer's brands (every brand's for admins and before teams exist)."""
    if viewer.brand_ids is None:
        return Macro.brand_id.is_not(None)
    return Macro.brand_id.in_(sorted(viewer.brand_ids) or [-1])


def _macro_target(session: Session, viewer: Viewer, brand_id: str) -> Brand | None:
    """The brand a macro is saved for: one of the viewer's, or every brand (admins only)."""
    if not brand_id.strip():
        if not viewer.is_admin:
            raise HTTPException(403, "only admins write macros for every brand; pick your brand")
        return None
    wanted = parse_id(brand_id)
    brand = session.get(Brand, wanted) if wanted is not None else None
    if brand is None or not may_see_brand(viewer.brand_ids, brand.id):
        raise NotVisible(f"no brand {brand_id} in your brands")
    return brand


def _macro_of(session: Session, viewer: Viewer, macro_id: str) -> Macro | None:
    """The macro being changed (None: a new one); another brand's answers 404."""
    if not macro_id.strip():
        return None
    wanted = parse_id(macro_id)
    macro = session.get(Macro, wanted) if wanted is not None else None
    if macro is None:
        raise NotVisible(f"no macro {macro_id}")
    if macro.brand_id is None and not viewer.is_admin:
        raise HTTPException(403, "only admins change macros for every brand")
    if macro.brand_id is not None and not may_see_brand(viewer.brand_ids, macro.brand_id):
        raise NotVisible(f"no macro {macro_id} in your brands")
    return macro


@router.post("/macros", dependencies=[CsrfChecked])
def save(
    request: Request,
    session: DbSession,
    viewer: ReviewerViewer,
    name: Annotated[str, Form()],
    body: Annotated[str, Form()],
    brand_id: Annotated[str, Form()] = "",
    macro_id: Annotated[str, Form()] = "",
    delete: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Create, change or delete a macro of one of your brands (every brand's: admins)."""
    macro = _macro_of(session, viewer, macro_id)
    try:
        if delete == "1" and macro is not None:
            delete_macro(session, macro, actor=viewer.user)
            flash(request, f"Deleted macro {macro.name}.")
        else:
            brand = _macro_target(session, viewer, brand_id)
            saved = save_macro(
                session, name=name, body=body, brand=brand, actor=viewer.user, macro=macro
            )
            flash(request, f"Saved macro {saved.name}.")
    except MacroError as exc:
        flash(request, str(exc), "error")
    return _go("/admin/macros")
