"""Signed, expiring, single-use links that bind a network handle to a customer record.

The link goes to the customer by private message; opening it proves they control both the
social account that received it and, once they log in or confirm, the customer record. The
token carries only ids and a nonce (no contact data), signed with ATDESK_SECRET_KEY. Single
use is the caller's job: store the nonce when the link is redeemed and refuse it next time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

SALT = "atdesk.identity.verify.v1"
DEFAULT_MAX_AGE = timedelta(hours=24)


class VerificationError(Exception):
    """The link cannot be used; the customer should ask for a new one."""


class VerificationExpired(VerificationError):
    """The link is older than allowed: send a fresh one by private message."""


class VerificationInvalid(VerificationError):
    """The link was altered, truncated or signed with another key: refuse it and send a new one."""


@dataclass(frozen=True, slots=True)
class VerificationClaim:
    """Who the link was issued to and for which customer record, with its single-use nonce."""

    network: str
    author_native_id: str
    customer_id: str
    nonce: str
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedVerification:
    """A token ready to put in a link, and the facts the caller stores to enforce single use."""

    token: str
    nonce: str
    expires_at: datetime


def issue_verification(
    *,
    secret_key: str,
    network: str,
    author_native_id: str,
    customer_id: str,
    now: datetime,
    max_age: timedelta = DEFAULT_MAX_AGE,
    nonce: str | None = None,
) -> IssuedVerification:
    """Sign a token for (network, author, customer) valid for `max_age` from `now`."""
    if now.tzinfo is None:
        raise ValueError("pass an aware UTC datetime as now")
    chosen = nonce or secrets.token_urlsafe(16)
    payload = {"n": network, "a": author_native_id, "c": customer_id, "x": chosen}
    token = _serializer(secret_key, now).dumps(payload)
    return IssuedVerification(token=token, nonce=chosen, expires_at=now + max_age)


def verify_verification(
    token: str,
    *,
    secret_key: str,
    now: datetime,
    max_age: timedelta = DEFAULT_MAX_AGE,
) -> VerificationClaim:
    """Read a token back, or raise VerificationExpired / VerificationInvalid."""
    if now.tzinfo is None:
        raise ValueError("pass an aware UTC datetime as now")
    serializer = _serializer(secret_key, now)
    try:
        payload, signed_at = serializer.loads(
            token, max_age=int(max_age.total_seconds()), return_timestamp=True
        )
    except SignatureExpired as exc:
        raise VerificationExpired("this verification link has expired; ask for a new one") from exc
    except BadSignature as exc:
        raise VerificationInvalid("this verification link is not valid; ask for a new one") from exc
    return _claim(payload, signed_at)


def verification_link(base_url: str, token: str) -> str:
    """The URL to send by private message; the token is already URL-safe."""
    return f"{base_url.rstrip('/')}/verify/{quote(token, safe='')}"


def _claim(payload: Any, signed_at: datetime) -> VerificationClaim:
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(k), str) and payload.get(k) for k in ("n", "a", "c", "x")
    ):
        raise VerificationInvalid("this verification link carries no customer; ask for a new one")
    return VerificationClaim(
        network=payload["n"],
        author_native_id=payload["a"],
        customer_id=payload["c"],
        nonce=payload["x"],
        issued_at=signed_at.astimezone(UTC),
    )


def _serializer(secret_key: str, now: datetime) -> URLSafeTimedSerializer:
    """A serializer whose clock is `now`, so that issuing and expiry are testable and pure."""
    moment = int(now.timestamp())

    class _SignerAtNow(TimestampSigner):
        def get_timestamp(self) -> int:
            return moment

    return URLSafeTimedSerializer(secret_key, salt=SALT, signer=_SignerAtNow)
