"""A brand's survey settings: off by default, checked when saved, texts with known fields only."""

from __future__ import annotations

import importlib

import pytest

from atdesk.models import Brand
from atdesk.surveys.scores import SurveyKind
from atdesk.surveys.settings import (
    SurveySettings,
    SurveySettingsError,
    parse_settings,
    render_text,
    survey_settings,
    update_survey_settings,
)


def test_off_unless_the_brand_turns_surveys_on() -> None:
    assert survey_settings(Brand(name="Acme", settings={})) == SurveySettings()
    assert not SurveySettings().enabled
    defaults = SurveySettings()
    assert defaults.kinds == (SurveyKind.CSAT,) and defaults.kind == "csat"
    assert defaults.every_days == 7 and defaults.nps_every_days == 90
    assert defaults.follow_up and defaults.close_loop and defaults.reopen_days == 3


def test_settings_round_trip_through_the_brand() -> None:
    brand = Brand(name="Acme", settings={"watched_handles": ["@ceo"]})
    chosen = parse_settings({"enabled": "on", "kind": "NPS", "every_days": "30"})
    update_survey_settings(brand, chosen)
    assert survey_settings(brand) == chosen
    assert brand.settings["watched_handles"] == ["@ceo"]
    assert chosen.kinds == (SurveyKind.NPS,) and chosen.every_days == 30
    assert "kind" not in brand.settings["surveys"], "stored as the two flags"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"kind": "ces"}, "kind must be csat, nps or both"),
        ({"csat": False}, "ask CSAT, NPS or both"),
        ({"kind": "nps", "nps": "no"}, "ask CSAT, NPS or both"),
        ({"nps_every_days": 400}, "nps_every_days must be between 0 and 365"),
        ({"reopen_days": 0}, "reopen_days must be between 1 and 365"),
        ({"follow_up": "perhaps"}, "follow_up must be true or false"),
        ({"follow_up_text": "What went wrong, {agent}?"}, "uses {agent}"),
        ({"every_days": -1}, "every_days must be between 0 and 365"),
        ({"answer_days": 0}, "answer_days must be between 1 and 365"),
        ({"answer_days": "soon"}, "whole number of days"),
        ({"enabled": "maybe"}, "enabled must be true or false"),
        ({"csat_text": "  "}, "cannot be empty"),
        ({"csat_text": "Hi {agent}, rate us 1-5"}, "uses {agent}"),
        ({"colour": "red"}, "unknown survey setting colour"),
    ],
)
def test_bad_settings_are_refused_with_what_to_change(raw: dict[str, object], message: str) -> None:
    with pytest.raises(SurveySettingsError, match=message.replace("{", r"\{").replace("}", r"\}")):
        parse_settings(raw)


def test_unreadable_stored_settings_fall_back_to_defaults() -> None:
    brand = Brand(name="Acme", settings={"surveys": {"enabled": True, "kind": "stars"}})
    assert survey_settings(brand) == SurveySettings(enabled=True)


def test_texts_fill_the_known_fields() -> None:
    text = render_text(
        "Hi {first_name}, how did {brand} do on case {case_id}? {agent}",
        {"first_name": "Dana", "brand": "Acme", "case_id": "7", "agent": "Ana"},
    )
    assert text == "Hi Dana, how did Acme do on case 7? {agent}"


def test_a_brand_can_ask_both_csat_and_nps() -> None:
    both = parse_settings({"enabled": True, "csat": True, "nps": True, "nps_every_days": 60})
    assert both.kinds == (SurveyKind.CSAT, SurveyKind.NPS) and both.kind == "both"
    assert parse_settings({"kind": "both"}).kinds == both.kinds


def test_the_older_single_kind_still_works() -> None:
    assert parse_settings({"kind": "NPS"}).kinds == (SurveyKind.NPS,)
    assert parse_settings({"kind": "csat"}, parse_settings({"kind": "both"})).kind == "csat"
    old = Brand(name="Acme", settings={"surveys": {"enabled": True, "kind": "nps"}})
    assert survey_settings(old).kinds == (SurveyKind.NPS,)


@pytest.mark.parametrize(
    ("stored", "new"),
    [
        (
            {"enabled": True, "kind": "nps", "every_days": 14},
            {"enabled": True, "csat": False, "nps": True, "nps_every_days": 14, "every_days": 14},
        ),
        ({"enabled": True, "kind": "csat"}, {"enabled": True, "csat": True, "nps": False}),
        (
            {"enabled": True, "kind": "csat", "csat": True},
            {"enabled": True, "csat": True, "nps": False},
        ),
    ],
)
def test_migration_0023_rewrites_stored_settings_and_back(
    stored: dict[str, object], new: dict[str, object]
) -> None:
    migration = importlib.import_module("atdesk.storage.migrations.versions.0023_survey_loop")
    assert migration.upgraded(stored) == new
    before = survey_settings(Brand(name="Old", settings={"surveys": stored}))
    assert survey_settings(Brand(name="New", settings={"surveys": new})) == before
    back = migration.downgraded({**new, "follow_up": True, "reopen_days": 3})
    assert back == {k: v for k, v in stored.items() if k != "csat"}
    assert migration.upgraded({"enabled": True}) == {"enabled": True}, "new shape: left alone"
    assert migration.downgraded({"enabled": True}) == {"enabled": True}
