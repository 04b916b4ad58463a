"""A reply is committed as `sending` before the network call, so no lock is held while the
network answers, and a send that a crash cut short is marked unconfirmed, never guessed."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from atdesk.cases.pages.case import _timeline
from atdesk.cases.queries import case_audit
from atdesk.config import Settings
from atdesk.models import Case, ChannelAccount, ReplyDraft
from atdesk.models.base import utcnow
from atdesk.respond.outbox import Outgoing
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.respond.unconfirmed import SENDING, UNCONFIRMED, mark_unconfirmed
from atdesk.storage.session import transaction
from tests.cases.factories import staff
from tests.factories import make_brand, post, run
from tests.respond.fakes import RecordingOutbox


class Crash(BaseException):
    """The process dying mid-call (not an error any handler catches)."""


@dataclass
class LookingOutbox(RecordingOutbox):
    """While 'the network' answers, look at the database from another connection."""

    database_url: str = ""
    seen: list[tuple[str, str]] = field(default_factory=list)
    other_writer_ok: bool | None = None

    def send(self, account: ChannelAccount, message: Outgoing) -> Any:
        with transaction(self.database_url) as other:
            self.seen = [(d.text, d.status) for d in other.scalars(select(ReplyDraft))]
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite":
            raw = sqlite3.connect(url.database or "", timeout=0.2)
            try:
                raw.execute("BEGIN IMMEDIATE")  # the write lock, or "database is locked"
                raw.rollback()
                self.other_writer_ok = True
            except sqlite3.OperationalError:
                self.other_writer_ok = False
            finally:
                raw.close()
        return super().send(account, message)


@dataclass
class CrashingOutbox(RecordingOutbox):
    """The network call never returns: the process dies during it."""

    def send(self, account: ChannelAccount, message: Outgoing) -> Any:
        raise Crash


def _case_and_agent(url: str) -> tuple[int, int]:
    with transaction(url) as session:
        make_brand(session)
        run(session, post("1", "@acmehelp my parcel is lost", minutes=0))
        case = session.scalars(select(Case)).one()
        return case.id, staff(session, "ana").id


def _send(url: str, outbox: RecordingOutbox, text: str) -> str:
    from atdesk.models import User

    case_id, user_id = _case_and_agent(url)
    with transaction(url) as session:
        case, user = session.get(Case, case_id), session.get(User, user_id)
        assert case is not None and user is not None
        return submit_reply(session, case, user, ReplyRequest(text, "public", 0), outbox).status


def test_the_draft_is_committed_and_no_lock_is_held_while_the_network_answers(
    settings: Settings,
) -> None:
    outbox = LookingOutbox(database_url=settings.database_url)
    assert _send(settings.database_url, outbox, "Checking now!") == "sent"
    assert outbox.seen == [("Checking now!", SENDING)], "another connection sees it sending"
    if settings.database_url.startswith("sqlite"):
        assert outbox.other_writer_ok is True, "another writer got SQLite's write lock"
    with transaction(settings.database_url) as session:
        (draft,) = session.scalars(select(ReplyDraft))
        assert draft.status == "sent" and draft.sent_post_id is not None
        assert draft.send_started_at is not None


def test_a_send_cut_short_by_a_crash_becomes_unconfirmed_after_the_grace_period(
    settings: Settings,
) -> None:
    with pytest.raises(Crash):
        _send(settings.database_url, CrashingOutbox(), "Refund on its way")
    with transaction(settings.database_url) as session:
        (draft,) = session.scalars(select(ReplyDraft))
        assert draft.status == SENDING, "the draft survived the crash"
        started = draft.send_started_at
        assert started is not None
        assert mark_unconfirmed(session, now=started + timedelta(seconds=30)) == 0
    with transaction(settings.database_url) as session:
        assert mark_unconfirmed(session, now=utcnow() + timedelta(minutes=3)) == 1
        assert mark_unconfirmed(session, now=utcnow() + timedelta(minutes=3)) == 0
    with transaction(settings.database_url) as session:
        (draft,) = session.scalars(select(ReplyDraft))
        assert draft.status == UNCONFIRMED
        assert draft.error is not None and "Check the network" in draft.error
        events = [e for e in case_audit(session, draft.case_id) if e.action == "reply.unconfirmed"]
        assert len(events) == 1 and events[0].after["draft_id"] == draft.id
        case = session.get(Case, draft.case_id)
        assert case is not None
        drafts = [i.obj for i in _timeline(session, case, []) if i.kind == "draft"]
        assert drafts == [draft], "the case page shows it"
