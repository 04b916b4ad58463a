"""Signatures: a receiver accepts exactly what atdesk signed, recently, with a known secret."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from atdesk.integrations.webhooks import (
    MalformedSignature,
    MissingSignature,
    SignatureExpired,
    SignatureMismatch,
    sign,
    verify,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BODY = b'{"type":"callback.requested"}'


def test_header_is_hmac_sha256_over_timestamp_and_raw_body() -> None:
    header = sign(BODY, "s3cret", now=NOW)
    timestamp = int(NOW.timestamp())
    expected = hmac.new(b"s3cret", f"{timestamp}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={timestamp},v1={expected}"


def test_round_trip_within_tolerance() -> None:
    header = sign(BODY, "s3cret", now=NOW)
    verified = verify(BODY, header, "s3cret", now=NOW + timedelta(seconds=299))
    assert verified.signed_at == NOW


def test_changed_body_or_secret_is_refused() -> None:
    header = sign(BODY, "s3cret", now=NOW)
    with pytest.raises(SignatureMismatch):
        verify(BODY + b" ", header, "s3cret", now=NOW)
    with pytest.raises(SignatureMismatch):
        verify(BODY, header, "other", now=NOW)


def test_old_or_future_signatures_are_refused() -> None:
    header = sign(BODY, "s3cret", now=NOW)
    with pytest.raises(SignatureExpired):
        verify(BODY, header, "s3cret", now=NOW + timedelta(seconds=301))
    with pytest.raises(SignatureExpired):
        verify(BODY, header, "s3cret", now=NOW - timedelta(seconds=301))


def test_rotation_accepts_old_and_new_secret() -> None:
    old_header = sign(BODY, "old", now=NOW)
    new_header = sign(BODY, "new", now=NOW)
    assert verify(BODY, old_header, ["new", "old"], now=NOW)
    assert verify(BODY, new_header, ["new", "old"], now=NOW)
    both = f"{new_header},v1={old_header.split('v1=')[1]}"
    assert verify(BODY, both, "old", now=NOW)


def test_timestamp_cannot_be_swapped() -> None:
    header = sign(BODY, "s3cret", now=NOW)
    later = int(NOW.timestamp()) + 10
    forged = f"t={later},{header.split(',')[1]}"
    with pytest.raises(SignatureMismatch):
        verify(BODY, forged, "s3cret", now=NOW)


@pytest.mark.parametrize("header", ["v1=abc", "t=12", "t=soon,v1=abc", "garbage"])
def test_malformed_headers(header: str) -> None:
    with pytest.raises(MalformedSignature):
        verify(BODY, header, "s3cret", now=NOW)


def test_missing_header() -> None:
    with pytest.raises(MissingSignature):
        verify(BODY, None, "s3cret", now=NOW)
