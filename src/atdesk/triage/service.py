"""Which triager the pipeline uses; the one place that chooses."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from atdesk.config import load_settings
from atdesk.triage.base import Triager
from atdesk.triage.intent_model import load_intent_model
from atdesk.triage.model_triager import ModelTriager


@lru_cache(maxsize=4)
def get_triager(intent_model: str | None = None) -> Triager:
    """The shipped models, with a brand's own intent model when one is configured.

    The intent model directory comes from the argument, else `intent_model` in the settings
    (ATDESK_INTENT_MODEL); its own metadata says which encoder it needs (n-grams and word
    vectors by default, or the optional sentence-embedding plug-in).
    """
    directory = intent_model or load_settings().intent_model
    custom = load_intent_model(Path(directory)) if directory else None
    return ModelTriager(intent_model=custom)
