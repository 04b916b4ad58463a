"""Verification links: bind exactly the handle and record issued, expire, and resist tampering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atdesk.integrations.identity import (
    VerificationExpired,
    VerificationInvalid,
    issue_verification,
    verification_link,
    verify_verification,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KEY = "test-secret-key"


def _issue(**overrides: object) -> str:
    fields: dict[str, object] = {
        "secret_key": KEY,
        "network": "x",
        "author_native_id": "2244994945",
        "customer_id": "cust-42",
        "now": NOW,
    }
    fields.update(overrides)
    return issue_verification(**fields).token  # type: ignore[arg-type]


def test_round_trip_returns_the_binding_and_nonce() -> None:
    issued = issue_verification(
        secret_key=KEY, network="x", author_native_id="2244994945", customer_id="cust-42", now=NOW
    )

    claim = verify_verification(issued.token, secret_key=KEY, now=NOW + timedelta(hours=1))

    assert (claim.network, claim.author_native_id, claim.customer_id) == (
        "x",
        "2244994945",
        "cust-42",
    )
    assert claim.nonce == issued.nonce
    assert claim.issued_at == NOW
    assert issued.expires_at == NOW + timedelta(hours=24)


def test_each_link_has_its_own_nonce_for_single_use() -> None:
    first = issue_verification(
        secret_key=KEY, network="x", author_native_id="1", customer_id="c", now=NOW
    )
    second = issue_verification(
        secret_key=KEY, network="x", author_native_id="1", customer_id="c", now=NOW
    )
    assert first.nonce != second.nonce
    assert first.token != second.token


def test_token_carries_no_contact_data_in_the_clear() -> None:
    token = _issue(customer_id="cust-42")
    assert "@" not in token


def test_expired_link() -> None:
    token = _issue(max_age=timedelta(minutes=30))
    with pytest.raises(VerificationExpired, match="new one"):
        verify_verification(
            token, secret_key=KEY, now=NOW + timedelta(minutes=31), max_age=timedelta(minutes=30)
        )


def test_link_from_the_future_is_refused() -> None:
    token = _issue(now=NOW + timedelta(hours=2))
    with pytest.raises(VerificationExpired):
        verify_verification(token, secret_key=KEY, now=NOW)


def test_tampered_payload_or_signature_is_invalid() -> None:
    token = _issue()
    payload, rest = token.split(".", 1)
    altered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest
    with pytest.raises(VerificationInvalid):
        verify_verification(altered, secret_key=KEY, now=NOW)
    with pytest.raises(VerificationInvalid):
        verify_verification(token[:-3], secret_key=KEY, now=NOW)


def test_another_key_is_invalid() -> None:
    with pytest.raises(VerificationInvalid):
        verify_verification(_issue(), secret_key="other-key", now=NOW)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        _issue(now=datetime(2026, 11, 23))  # noqa: DTZ001 (the point of the test)


def test_link_is_safe_in_a_url() -> None:
    token = _issue()
    link = verification_link("https://care.example.com/", token)
    assert link == f"https://care.example.com/verify/{token}"
