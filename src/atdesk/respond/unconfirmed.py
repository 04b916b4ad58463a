"""Replies whose send never finished: say so on the case instead of guessing either way.

A reply is committed as `sending` before the network call (no lock is held while the network
answers). If the process dies before the answer is recorded, nobody knows whether the post
went out, and sending it again could say it twice. After a grace period the reply becomes
`unconfirmed`, with an audit event, and the case page asks the agent to look on the network.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.models import ReplyDraft

SENDING = "sending"
UNCONFIRMED = "unconfirmed"
# Far longer than any send takes (the channel clients time out after 10 s per attempt).
GRACE = timedelta(minutes=2)


def mark_unconfirmed(session: Session, *, now: datetime, grace: timedelta = GRACE) -> int:
    """Mark replies stuck in `sending` for longer than the grace period; return how many."""
    stuck = session.scalars(
        select(ReplyDraft)
        .where(ReplyDraft.status == SENDING, ReplyDraft.send_started_at < now - grace)
        .order_by(ReplyDraft.id)
        .with_for_update(skip_locked=True, of=ReplyDraft)
    ).all()
    for draft in stuck:
        draft.status = UNCONFIRMED
        draft.error = (
            "The send started but its answer was never recorded (the process stopped). "
            "Check the network before sending it again."
        )
        audit.record(
            session,
            entity_type="case",
            entity_id=draft.case_id,
            action="reply.unconfirmed",
            actor="send-check",
            before={"draft_id": draft.id, "status": SENDING},
            after={"draft_id": draft.id, "status": UNCONFIRMED},
        )
    session.flush()
    return len(stuck)
