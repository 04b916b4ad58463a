"""A brand's survey settings: off by default, checked when saved, texts with known fields only."""

from __future__ import annotations

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
    assert SurveySettings().kind is SurveyKind.CSAT and SurveySettings().every_days == 7


def test_settings_round_trip_through_the_brand() -> None:
    brand = Brand(name="Acme", settings={"watched_handles": ["@ceo"]})
    chosen = parse_settings({"enabled": "on", "kind": "NPS", "every_days": "30"})
    update_survey_settings(brand, chosen)
    assert survey_settings(brand) == chosen
    assert brand.settings["watched_handles"] == ["@ceo"]
    assert chosen.kind is SurveyKind.NPS and chosen.every_days == 30


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"kind": "ces"}, "kind must be csat or nps"),
        ({"every_days": -1}, "every_days must be between 0 and 365"),
        ({"answer_days": 0}, "answer_days must be between 1 and 365"),
        ({"answer_days": "soon"}, "whole number of days"),
        ({"enabled": "maybe"}, "enabled must be true or false"),
        ({"csat_text": "  "}, "cannot be empty"),
        ({"csat_text": "Hi {agent}, rate us 1-5"}, "uses {agent}"),
        ({"nps": True}, "unknown survey setting nps"),
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
