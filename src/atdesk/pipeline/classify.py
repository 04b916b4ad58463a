"""Stage 5: triage every inbound post that is not noise, in one vectorised call."""

from __future__ import annotations

from collections.abc import Sequence

from atdesk.domain.posts import Post
from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.triage.base import Triager


def triage_input(post: Post, brand_name: str | None, aimed_at_executive: bool) -> TriageInput:
    """What triage may see of a post: its text and a little context."""
    return TriageInput(
        text=post.text,
        created_at=post.created_at,
        author_handle=post.author.handle,
        followers=post.author.followers,
        verified=post.author.verified,
        brand=brand_name,
        coordinates=post.coordinates,
        aimed_at_executive=aimed_at_executive,
    )


def classify(triager: Triager, inputs: Sequence[TriageInput]) -> list[TriageResult]:
    """Labels for a batch, in order."""
    return triager.triage_many(inputs) if inputs else []
