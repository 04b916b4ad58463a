"""Creating users and tokens, and finding who a session or token belongs to."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.passwords import hash_password, verify_password
from atdesk.accounts.sessions import end_user_sessions
from atdesk.audit import service as audit
from atdesk.domain.cases import Role
from atdesk.domain.errors import AppError
from atdesk.models import ApiToken, User
from atdesk.models.base import utcnow

TOKEN_PREFIX = "atd_"  # noqa: S105 (a visible prefix, not a secret)
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,80}$")


class AccountError(AppError):
    """A user or token request that cannot be carried out, with the reason."""


def create_user(
    session: Session, *, username: str, password: str, role: Role, display_name: str = ""
) -> User:
    """A new user with an argon2 password hash; usernames are unique and simple."""
    if not _USERNAME.match(username):
        raise AccountError("username must be 2-80 characters of letters, digits, '.', '_' or '-'")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role.value,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        entity_type="user",
        entity_id=user.id,
        action="user.created",
        actor=audit.SYSTEM,
        after={"username": username, "role": role.value},
    )
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        hash_password("timing-equaliser-password")
        return None
    return user if verify_password(user.password_hash, password) else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str = "") -> str:
    """A new API token for the user; the plain value is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), prefix=token[:10], name=name))
    session.flush()
    return token


def user_for_token(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """The active user owning a non-revoked token, or None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    row.last_used_at = now or utcnow()
    return row.user


def find_user(session: Session, username: str) -> User:
    """The user with this name, or an AccountError naming it."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user named {username!r}")
    return user


def _audit_user(
    session: Session,
    user: User,
    action: str,
    actor: User | str,
    before: dict[str, object],
    after: dict[str, object],
) -> None:
    audit.record(
        session,
        entity_type="user",
        entity_id=user.id,
        action=action,
        actor=actor,
        before=dict(before),
        after=dict(after),
    )


def update_user(
    session: Session,
    user: User,
    *,
    actor: User | str,
    role: Role | None = None,
    display_name: str | None = None,
    active: bool | None = None,
    now: datetime | None = None,
) -> None:
    """Change a user's role, name or whether they may log in; admins cannot lock themselves out.

    Disabling a user ends their sessions at once (a later re-enable does not revive them).
    """
    before = {"role": user.role, "display_name": user.display_name, "active": user.active}
    if isinstance(actor, User) and actor.id == user.id:
        if role is not None and role.value != user.role:
            raise AccountError("you cannot change your own role; ask another admin")
        if active is False:
            raise AccountError("you cannot deactivate yourself; ask another admin")
    if role is not None:
        user.role = role.value
    if display_name is not None and display_name.strip():
        user.display_name = display_name.strip()
    if active is not None:
        user.active = active
    if active is False:
        end_user_sessions(session, user.id, now=now or utcnow())
    after = {"role": user.role, "display_name": user.display_name, "active": user.active}
    if after != before:
        _audit_user(session, user, "user.updated", actor, before, after)
    session.flush()


def set_password(
    session: Session,
    user: User,
    password: str,
    *,
    actor: User | str,
    keep_session: str | None = None,
    now: datetime | None = None,
) -> None:
    """A new password (argon2id); the audit trail notes the change, never the value.

    Every other session of the user ends: whoever knew the old password is logged out. The
    browser that changed its own password (`keep_session`) stays logged in.
    """
    user.password_hash = hash_password(password)
    ended = end_user_sessions(session, user.id, now=now or utcnow(), keep=keep_session)
    _audit_user(
        session, user, "user.password", actor, {}, {"changed": True, "sessions_ended": ended}
    )
    session.flush()


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """A user's tokens, newest first (only prefixes are known)."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(
    session: Session, user: User, token_id: int, *, now: datetime | None = None
) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs or already revoked."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = now or utcnow()
    _audit_user(session, user, "token.revoked", user, {}, {"prefix": row.prefix})
    session.flush()
    return True
