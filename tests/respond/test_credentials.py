"""Reconnecting an account with new credentials keeps where its readers were."""

from __future__ import annotations

from atdesk.channels.x.account import XAccount
from atdesk.respond.credentials import keep_read_positions


def test_new_token_for_the_same_account_keeps_cursors() -> None:
    old = XAccount(handle="acme", user_id="12", user_token="old").to_json()
    old["mentions"] = {
        "high_water": "1899",
        "pass_newest": None,
        "next_token": None,
        "seeded": True,
    }
    new = XAccount(handle="acme", user_id="12", user_token="new").to_json()
    merged = keep_read_positions(old, new)
    assert merged["user_token"] == "new"
    assert merged["mentions"]["high_water"] == "1899"


def test_another_endpoint_or_user_starts_fresh() -> None:
    old = XAccount(handle="acme", user_id="12", user_token="old").to_json()
    old["mentions"] = {
        "high_water": "1899",
        "pass_newest": None,
        "next_token": None,
        "seeded": True,
    }
    moved = XAccount(
        handle="acme", user_id="12", user_token="t", base_url="http://127.0.0.1:9"
    ).to_json()
    assert keep_read_positions(old, moved)["mentions"]["high_water"] is None
    other = XAccount(handle="acme", user_id="13", user_token="t").to_json()
    assert keep_read_positions(old, other)["mentions"]["high_water"] is None
