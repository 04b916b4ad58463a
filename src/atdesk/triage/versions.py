"""Which model labelled a post, so every stored label can be traced to the model that gave it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from atdesk.domain.triage import TriageInput
from atdesk.triage.base import Triager
from atdesk.triage.baseline import RulesTriager

VERSION_LENGTH = 80  # posts.model_version


def model_version(triager: Triager) -> str:
    """Which model labelled a post, so a label can be traced to the model that gave it.

    A triager may say (`version`); the shipped models say their bundle's manifest version,
    with a brand's own intent model named after it; the keyword rules are "rules".
    """
    own = getattr(triager, "version", None)
    if isinstance(own, str) and own:
        return own[:VERSION_LENGTH]
    bundle = getattr(triager, "bundle", None)
    if bundle is not None:
        name = f"model:{getattr(bundle, 'version', 'unversioned')}"
        intent_model = getattr(triager, "intent_model", None)
        if getattr(intent_model, "spec_precedence", False):  # retrained from corrections
            name += f"+{getattr(intent_model, 'version', 'retrain')}"
        elif intent_model is not None:
            name += f"+intent:{_intent_model_name(intent_model)}"
        return name[:VERSION_LENGTH]
    if isinstance(triager, RulesTriager):
        return "rules"
    return type(triager).__name__[:VERSION_LENGTH]


def versions_of(triager: Triager, inputs: Sequence[TriageInput]) -> list[str]:
    """The model that labels each post: a triager routing brands to their own models (or one
    that looked them up in advance) says per post; any other labels them all."""
    triager_of = getattr(triager, "triager_of", None)
    if callable(triager_of):
        return [model_version(triager_of(item)) for item in inputs]
    version_of = getattr(triager, "version_of", None)
    if callable(version_of):
        return [str(version_of(item)) for item in inputs]
    return [model_version(triager)] * len(inputs)


def _intent_model_name(model: Any) -> str:
    """A brand's own intent model: its metadata's version or name, else its encoder."""
    meta = getattr(model, "meta", None)
    if isinstance(meta, dict):
        for key in ("version", "name", "trained_at", "encoder"):
            if meta.get(key):
                return str(meta[key])
    return type(model).__name__
