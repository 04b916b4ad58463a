"""Saved inbox views: an agent's named filters, their order, and sharing with a team."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import user_team_ids
from atdesk.audit import service as audit
from atdesk.domain.cases import Role
from atdesk.domain.errors import AppError
from atdesk.models import SavedView, Team, User

FILTER_KEYS = (
    "view",
    "brand_id",
    "intent",
    "sentiment",
    "priority",
    "language",
    "network",
    "tag",
    "q",
    "status",
    "spam",
    "abuse",
)
NAME_MAX = 80


class SavedViewError(AppError):
    """A saved view that cannot be changed as asked, with what to do instead."""


class NotAllowed(SavedViewError):
    """A change this person may not make at all, so the API can answer 403 rather than 422."""


@dataclass(frozen=True, slots=True)
class Listed:
    """A saved view as one viewer sees it: theirs to change, or shared with them read-only."""

    view: SavedView
    mine: bool
    team_name: str | None


def stored_filters(filters: Mapping[str, object]) -> dict[str, str]:
    """Only the inbox's own filter keys, non-empty, as text: never case ids or brand access."""
    return {k: str(filters[k]) for k in FILTER_KEYS if filters.get(k) not in (None, "")}


def views_for(session: Session, user: User, team_ids: Sequence[int]) -> list[Listed]:
    """The user's own views in their order, then those shared with their teams by others."""
    teams: dict[int, str] = dict(session.execute(select(Team.id, Team.name)).all())
    query = (
        select(SavedView)
        .where(
            or_(
                SavedView.owner_user_id == user.id,
                SavedView.team_id.in_(list(team_ids) or [-1]),
            )
        )
        .order_by(SavedView.position, SavedView.id)
    )
    rows = session.scalars(query).all()
    own = [v for v in rows if v.owner_user_id == user.id]
    shared = sorted(
        (v for v in rows if v.owner_user_id != user.id),
        key=lambda v: (teams.get(v.team_id or 0, ""), v.name.lower()),
    )
    return [
        Listed(v, v.owner_user_id == user.id, teams.get(v.team_id) if v.team_id else None)
        for v in (*own, *shared)
    ]


def owned_view(session: Session, user: User, view_id: int) -> SavedView:
    """The user's own view; anyone else's (even one shared with them) is not theirs to change."""
    view = session.get(SavedView, view_id)
    if view is None or view.owner_user_id != user.id:
        raise NotAllowed("that view is not yours to change; save your own copy instead")
    return view


def _snapshot(view: SavedView) -> dict[str, object]:
    return {
        "name": view.name,
        "filters": dict(view.filters),
        "position": view.position,
        "team_id": view.team_id,
    }


def _audit(
    session: Session, view: SavedView, action: str, actor: User, before: dict[str, object]
) -> None:
    audit.record(
        session,
        entity_type="saved_view",
        entity_id=view.id,
        action=action,
        actor=actor,
        before=before,
        after=_snapshot(view) if action != "saved_view.deleted" else {},
    )


def _clean_name(session: Session, owner: User, name: str, *, except_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise SavedViewError("give the view a name")
    if len(name) > NAME_MAX:
        raise SavedViewError(f"a view's name has at most {NAME_MAX} characters")
    clash = session.scalar(
        select(SavedView.id).where(
            SavedView.owner_user_id == owner.id,
            func.lower(SavedView.name) == name.lower(),
            SavedView.id != (except_id or -1),
        )
    )
    if clash is not None:
        raise SavedViewError(f"you already have a view called {name!r}; pick another name")
    return name


def save_view(
    session: Session, *, name: str, filters: Mapping[str, object], actor: User
) -> SavedView:
    """Save the inbox's current filters under a name, last in the owner's list."""
    last = session.scalar(
        select(func.max(SavedView.position)).where(SavedView.owner_user_id == actor.id)
    )
    view = SavedView(
        owner_user_id=actor.id,
        name=_clean_name(session, actor, name),
        filters=stored_filters(filters),
        position=(last if last is not None else -1) + 1,
    )
    session.add(view)
    session.flush()
    _audit(session, view, "saved_view.created", actor, {})
    return view


def rename_view(session: Session, view: SavedView, *, name: str, actor: User) -> None:
    """Give a view a new name (unique among the owner's views)."""
    before = _snapshot(view)
    view.name = _clean_name(session, actor, name, except_id=view.id)
    session.flush()
    _audit(session, view, "saved_view.renamed", actor, before)


def update_filters(
    session: Session, view: SavedView, *, filters: Mapping[str, object], actor: User
) -> None:
    """Replace a view's filters in place, kept as saving keeps them, so its name and order stay."""
    kept = stored_filters(filters)
    if kept == view.filters:
        return
    before = _snapshot(view)
    view.filters = kept
    session.flush()
    _audit(session, view, "saved_view.filters_updated", actor, before)


def move_view(session: Session, view: SavedView, *, by: int, actor: User) -> None:
    """Move a view up (by < 0) or down in its owner's list; the others close ranks."""
    own = list(
        session.scalars(
            select(SavedView)
            .where(SavedView.owner_user_id == view.owner_user_id)
            .order_by(SavedView.position, SavedView.id)
        )
    )
    before = _snapshot(view)
    at = own.index(view)
    own.insert(max(0, min(len(own) - 1, at + by)), own.pop(at))
    for position, row in enumerate(own):
        row.position = position
    session.flush()
    _audit(session, view, "saved_view.moved", actor, before)


def share_view(session: Session, view: SavedView, *, team: Team | None, actor: User) -> None:
    """Show a view read-only to a team's members (None: stop sharing).

    Supervisors share with their own teams, admins with any. Only the filters are shared: each
    member sees the cases of the brands they themselves may see.
    """
    if actor.role not in (Role.SUPERVISOR.value, Role.ADMIN.value):
        raise NotAllowed("only supervisors and admins share views; ask one to share it")
    if (
        team is not None
        and actor.role != Role.ADMIN.value
        and team.id not in user_team_ids(session, actor)
    ):
        raise NotAllowed("share with one of your own teams")
    before = _snapshot(view)
    view.team_id = team.id if team else None
    session.flush()
    _audit(session, view, "saved_view.shared" if team else "saved_view.unshared", actor, before)


def delete_view(session: Session, view: SavedView, *, actor: User) -> None:
    """Remove a view (audited with its name and filters); team members stop seeing it too."""
    before = _snapshot(view)
    _audit(session, view, "saved_view.deleted", actor, before)
    session.delete(view)
    session.flush()
