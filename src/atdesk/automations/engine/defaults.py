"""The rules a new brand starts with; admins change or delete them like any other rule."""

from __future__ import annotations

from atdesk.automations.engine.rules import RuleSpec

DEFAULT_RULES: tuple[tuple[str, RuleSpec], ...] = (
    (
        "callback",
        RuleSpec.model_validate(
            {
                "name": "Callback requests go to the callback queue",
                "stop": True,
                "when": {"intent": ["callback_request"]},
                "then": [{"type": "tag", "tags": ["callback"]}, {"type": "create_callback"}],
            }
        ),
    ),
    (
        "reschedule",
        RuleSpec.model_validate(
            {
                "name": "Booking changes start the reschedule flow",
                "stop": True,
                "when": {"intent": ["booking_change"]},
                "then": [{"type": "tag", "tags": ["reschedule"]}, {"type": "offer_reschedule"}],
            }
        ),
    ),
    (
        "open311",
        RuleSpec.model_validate(
            {
                "name": "Field reports with a location are filed with the city (Open311)",
                "stop": True,
                "when": {"intent": ["field_report"], "has_location": True},
                "then": [{"type": "tag", "tags": ["open311"]}, {"type": "file_open311"}],
            }
        ),
    ),
    (
        "private-data",
        RuleSpec.model_validate(
            {
                "name": "Requests that need personal data move to a private message",
                "stop": True,
                "when": {"intent": ["account_access", "billing"], "direct": False},
                "then": [{"type": "tag", "tags": ["private"]}, {"type": "move_to_dm"}],
            }
        ),
    ),
    (
        "exposed-data",
        RuleSpec.model_validate(
            {
                "name": "Personal data posted in public moves to a private message",
                "stop": True,
                "when": {"pii": True, "direct": False},
                "then": [
                    {"type": "tag", "tags": ["pii-exposed"]},
                    {"type": "set_priority", "priority": "high"},
                    {"type": "move_to_dm"},
                ],
            }
        ),
    ),
    (
        "bot",
        RuleSpec.model_validate(
            {
                "name": "Questions get a knowledge-base answer, or a person",
                "stop": True,
                "when": {"intent": ["question"]},
                "then": [{"type": "bot_answer"}],
            }
        ),
    ),
)
