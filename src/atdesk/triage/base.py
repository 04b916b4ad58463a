"""The contract every triage implementation meets, so the pipeline never knows which one runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from atdesk.domain.triage import TriageInput, TriageResult


class Triager(Protocol):
    """Pure functions of (post, context, model): same input, same answer, no I/O."""

    def triage(self, item: TriageInput) -> TriageResult:
        """Label one post."""
        ...

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        """Label a batch; implementations vectorise here for throughput."""
        ...
