"""The automatic greeting reads as one sentence with the supervisor's text (ADR 87)."""

from __future__ import annotations

import pytest

from atdesk.insights.incidents.personalise import candidates


@pytest.mark.parametrize(
    ("template", "greeted"),
    [
        ("We found the cause.", "Hi {first_name}, we found the cause."),
        ("Thanks for waiting: fixed.", "Hi {first_name}, thanks for waiting: fixed."),
        ("I am on it.", "Hi {first_name}, I am on it."),
        ("Cable Co is back up.", "Hi {first_name}, Cable Co is back up."),
        ("WE ARE BACK", "Hi {first_name}, WE ARE BACK"),
        ("we found it", "Hi {first_name}, we found it"),
    ],
)
def test_a_plain_opener_loses_its_capital_and_names_keep_theirs(
    template: str, greeted: str
) -> None:
    assert candidates(template) == [greeted, template]


def test_a_template_that_names_the_customer_is_not_greeted_again() -> None:
    assert candidates("{first_name}, We are back") == ["{first_name}, We are back"]
