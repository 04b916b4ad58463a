"""A brand's cost settings: sensible defaults (a phone contact at $6.00), checked when saved,
amounts exact as decimals, unknown keys refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atdesk.costs.settings import (
    CostSettings,
    CostSettingsError,
    cost_settings,
    parse_settings,
    update_cost_settings,
)
from atdesk.models import Brand


def test_defaults_compare_with_a_six_dollar_phone_contact() -> None:
    settings = cost_settings(Brand(name="Acme", settings={}))
    assert settings == CostSettings()
    assert settings.phone_contact_cost == Decimal("6.00") and settings.currency == "USD"
    assert settings.idle_after_s == 60


def test_settings_round_trip_through_the_brand_and_keep_its_other_settings() -> None:
    brand = Brand(name="Acme", settings={"watched_handles": ["@ceo"]})
    chosen = parse_settings(
        {"hourly_cost": "42.5", "bot_run_cost": 0.015, "currency": "eur", "idle_after_s": "90"}
    )
    update_cost_settings(brand, chosen)
    assert cost_settings(brand) == chosen
    assert brand.settings["watched_handles"] == ["@ceo"]
    assert chosen.hourly_cost == Decimal("42.50") and str(chosen.hourly_cost) == "42.50"
    assert chosen.bot_run_cost == Decimal("0.015") and chosen.currency == "EUR"
    assert chosen.phone_contact_cost == Decimal("6.00")  # not given: kept


def test_keys_not_given_keep_the_current_values() -> None:
    current = CostSettings(hourly_cost=Decimal("50.00"), currency="GBP")
    changed = parse_settings({"phone_contact_cost": "4.80"}, current)
    assert changed == CostSettings(
        hourly_cost=Decimal("50.00"), currency="GBP", phone_contact_cost=Decimal("4.80")
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"hourly_cost": "-1"}, "hourly_cost must be zero or more"),
        ({"hourly_cost": "thirty"}, "hourly_cost must be an amount such as 12.50"),
        ({"hourly_cost": "NaN"}, "hourly_cost must be zero or more"),
        ({"hourly_cost": True}, "hourly_cost must be an amount"),
        ({"bot_run_cost": "0.000001"}, "bot_run_cost takes at most four decimals"),
        ({"phone_contact_cost": "1e9"}, "phone_contact_cost must be at most 100000"),
        ({"currency": "dollars"}, "currency must be a three-letter code"),
        ({"currency": ""}, "currency must be a three-letter code"),
        ({"idle_after_s": 5}, "idle_after_s must be between 10 and 1800"),
        ({"idle_after_s": "a minute"}, "idle_after_s must be a whole number of seconds"),
        ({"hourly": 30}, "unknown cost setting hourly"),
    ],
)
def test_bad_settings_are_refused_with_what_to_change(raw: dict[str, object], message: str) -> None:
    with pytest.raises(CostSettingsError, match=message):
        parse_settings(raw)


def test_unreadable_stored_settings_fall_back_to_the_defaults() -> None:
    brand = Brand(name="Acme", settings={"costs": {"hourly_cost": "lots"}})
    assert cost_settings(brand) == CostSettings()
