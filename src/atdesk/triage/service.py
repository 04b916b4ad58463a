"""Which triager the pipeline uses; the one place that chooses."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from atdesk.config import load_settings
from atdesk.triage.base import Triager
from atdesk.triage.intent_model import IntentModelError, load_intent_model
from atdesk.triage.live_models import BrandRouted, LiveModels
from atdesk.triage.model_triager import ModelTriager
from atdesk.triage.retrained import load_retrained

log = logging.getLogger(__name__)


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


@lru_cache(maxsize=32)
def retrained_triager(path: str) -> Triager | None:
    """The shipped models with a retrained intent head, built once per model directory.

    None (logged) when its files are gone, so posts fall back to the next model rather
    than every batch failing.
    """
    try:
        return ModelTriager(intent_model=load_retrained(path))
    except (IntentModelError, OSError, ValueError) as exc:
        log.warning("live triage model at %s cannot be loaded (%s); using the next one", path, exc)
        return None


def triager_for(live: LiveModels, fallback: Triager | None = None) -> Triager:
    """A brand's live retrained model, else the all-brands one, else the shipped models."""
    default = fallback or get_triager()
    if not live:
        return default
    if live.everyone is not None:
        default = retrained_triager(live.everyone) or default
    own = {name: retrained_triager(path) for name, path in live.by_brand.items()}
    by_brand = {name: triager for name, triager in own.items() if triager is not None}
    return BrandRouted(default, by_brand) if by_brand else default
