"""Sign outbound webhook bodies so receivers can prove they came from atdesk, and when.

Header: `X-Atdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>`.
The timestamp is inside the signed bytes, so a captured request cannot be replayed later than
the receiver's tolerance; several v1 values may appear while a secret is being rotated.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

SIGNATURE_HEADER = "X-Atdesk-Signature"
DEFAULT_TOLERANCE_S = 300


class SignatureError(Exception):
    """The request must be refused (answer 400/401) and not processed."""


class MissingSignature(SignatureError):
    """No signature header: the sender is not atdesk, or a proxy dropped the header."""


class MalformedSignature(SignatureError):
    """The header is not `t=...,v1=...`; check that nothing rewrites it on the way."""


class SignatureMismatch(SignatureError):
    """No v1 value matches: wrong secret, or the body was changed after signing."""


class SignatureExpired(SignatureError):
    """The timestamp is outside the tolerance: a replay, or a clock that needs syncing."""


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """A signature that checked out, with the time the sender signed it."""

    signed_at: datetime


def compute_signature(body: bytes, secret: str | bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 over `<timestamp>.` followed by the raw body bytes."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str | bytes, *, now: datetime) -> str:
    """The header value for a body signed at `now`."""
    timestamp = int(now.timestamp())
    return f"t={timestamp},v1={compute_signature(body, secret, timestamp)}"


def verify(
    body: bytes,
    header: str | None,
    secrets: str | bytes | Sequence[str | bytes],
    *,
    now: datetime,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> VerifiedSignature:
    """Check a received body against its header with any of `secrets`; raise SignatureError."""
    if not header:
        raise MissingSignature(f"no {SIGNATURE_HEADER} header; refuse the request")
    timestamp, candidates = _parse(header)
    signed_at = datetime.fromtimestamp(timestamp, UTC)
    if abs((now - signed_at).total_seconds()) > tolerance_s:
        raise SignatureExpired(
            f"signed at {signed_at.isoformat()}, more than {tolerance_s}s from now; "
            "refuse it, and check the clocks if this happens for fresh deliveries"
        )
    keys = [secrets] if isinstance(secrets, str | bytes) else list(secrets)
    for secret in keys:
        expected = compute_signature(body, secret, timestamp)
        if any(hmac.compare_digest(expected, c) for c in candidates):
            return VerifiedSignature(signed_at=signed_at)
    raise SignatureMismatch("signature does not match the body; check the shared secret")


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise MalformedSignature(f"{SIGNATURE_HEADER} part {part!r} is not name=value")
        if name == "t":
            if not value.isdigit():
                raise MalformedSignature(f"{SIGNATURE_HEADER} timestamp {value!r} is not a number")
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise MalformedSignature(f"{SIGNATURE_HEADER} needs both t= and v1=")
    return timestamp, candidates
