"""The pipeline's after-store hook: new customer posts join their brand's open issues."""

from __future__ import annotations

from sqlalchemy.orm import Session

from atdesk.insights.issues.service import assign_to_open_issues
from atdesk.pipeline.runner import StoredInbound


def join_open_issues(session: Session, posts: list[StoredInbound]) -> object:
    """Plugged into `runner.add_after_store` by `atdesk.worker.wire()`; cheap per post (one
    read of the batch's brands' open issues, a table lookup per word, a dot product)."""
    return assign_to_open_issues(session, posts)
