"""Every rule action type runs and is described through the @action registry (issue 12 S11)."""

from __future__ import annotations

from typing import Literal

from atdesk.automations.engine.actions import ACTIONS
from atdesk.automations.engine.rules import ACTION_TYPES
from atdesk.worker import wire


def test_every_action_type_a_rule_may_name_is_registered_once_with_its_own_shape() -> None:
    wire()
    assert sorted(ACTIONS) == sorted(ACTION_TYPES)
    for name, definition in ACTIONS.items():
        assert definition.shape.model_fields["type"].annotation == Literal[name]
