"""Which triager the pipeline uses; the one place that chooses."""

from __future__ import annotations

from functools import lru_cache

from atdesk.triage.base import Triager
from atdesk.triage.baseline import RulesTriager


@lru_cache(maxsize=1)
def get_triager() -> Triager:
    """The default triager, loaded once per process."""
    return RulesTriager()
