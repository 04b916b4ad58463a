"""Login sessions kept on the server, so logging out or changing a password ends them at once.

The browser's cookie carries a random session id; the table keeps only its SHA-256. Every
request finds the row by that hash (one indexed lookup) and checks it is neither revoked nor
expired and that its user may still log in. `last_seen_at` is written at most once a minute,
and each write slides the idle expiry, capped by an absolute lifetime (ADR 76).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from atdesk.models import LoginSession, User

IDLE_LIFETIME = timedelta(hours=12)
ABSOLUTE_LIFETIME = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=1)
KEEP_ENDED_FOR = timedelta(days=30)
USER_AGENT_MAX = 300
ADDRESS_MAX = 64


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(
    session: Session, user: User, *, now: datetime, user_agent: str = "", address: str = ""
) -> str:
    """A new session for a user who just proved their password; the plain id is returned once."""
    _forget_ended(session, user, now=now)
    session_id = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            id_hash=_digest(session_id),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + IDLE_LIFETIME,
            user_agent=user_agent[:USER_AGENT_MAX],
            address=address[:ADDRESS_MAX],
        )
    )
    session.flush()
    return session_id


def _forget_ended(session: Session, user: User, *, now: datetime) -> None:
    """Rows that ended long ago say nothing any more; dropping them keeps the table small."""
    session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id,
            or_(
                LoginSession.expires_at < now - KEEP_ENDED_FOR,
                LoginSession.revoked_at < now - KEEP_ENDED_FOR,
            ),
        )
    )


def live_row(row: LoginSession | None, *, now: datetime) -> bool:
    """Whether a row still logs its browser in: not revoked, not expired, its user active."""
    return row is not None and row.revoked_at is None and now < row.expires_at and row.user.active


def find_session(session: Session, session_id: str, *, now: datetime) -> LoginSession | None:
    """The live session with this id, its last-seen time refreshed at most once a minute."""
    row = session.scalar(select(LoginSession).where(LoginSession.id_hash == _digest(session_id)))
    if row is None or not live_row(row, now=now):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        row.expires_at = min(now + IDLE_LIFETIME, row.created_at + ABSOLUTE_LIFETIME)
    return row


def session_user(session: Session, session_id: str, *, now: datetime) -> User | None:
    """The user a live session belongs to, or None when it has ended."""
    row = find_session(session, session_id, now=now)
    return row.user if row is not None else None


def end_session(session: Session, session_id: str, *, now: datetime) -> bool:
    """Revoke one session (logout); False when it was already over or never existed."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.id_hash == _digest(session_id), LoginSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def end_user_sessions(
    session: Session, user_id: int, *, now: datetime, keep: str | None = None
) -> int:
    """Revoke every session of a user but the one kept (a password change from that browser)."""
    statement = update(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)
    )
    if keep is not None:
        statement = statement.where(LoginSession.id_hash != _digest(keep))
    result = session.execute(statement.values(revoked_at=now))
    return int(getattr(result, "rowcount", 0))


def live_sessions(session: Session, user: User, *, now: datetime) -> list[LoginSession]:
    """A user's sessions that still work, most recently seen first (the "my sessions" list)."""
    return list(
        session.scalars(
            select(LoginSession)
            .where(
                LoginSession.user_id == user.id,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > now,
            )
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


def is_session(row: LoginSession, session_id: str | None) -> bool:
    """Whether this row is the one the given plain id names (marks "this browser")."""
    return session_id is not None and secrets.compare_digest(row.id_hash, _digest(session_id))
