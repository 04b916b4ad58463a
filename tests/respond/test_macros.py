"""Macro variables are filled from the case; unknown ones are refused when the macro is saved."""

from __future__ import annotations

from atdesk.respond.macros import fill, first_name, unknown_variables


def test_variables_are_filled_and_the_rest_left_alone() -> None:
    values = {"first_name": "Dana", "case_id": "42", "agent": "Ana"}
    assert fill("Hi {first_name}, case {case_id}. {agent} {mood}", values) == (
        "Hi Dana, case 42. Ana {mood}"
    )
    assert unknown_variables("Hi {first_name} {mood} {x_y}") == ["mood", "x_y"]


def test_first_name_falls_back_to_the_handle() -> None:
    assert first_name("Dana Rivera", "dana_r") == "Dana"
    assert first_name("", "dana_r") == "@dana_r"
    assert first_name("🌊🌊", "wave") == "@wave"
