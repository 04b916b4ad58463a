"""Replies end to end: sent into the thread with the network id, refused when unsafe or late,
held for approval on sensitive cases, and one click moves a conversation to DM."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.cases.queries import case_audit, case_posts
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.models import Case, ReplyDraft
from atdesk.respond.approvals import queue, reject
from atdesk.respond.service import ReplyRequest, approve, move_to_dm, submit_reply
from atdesk.storage.session import transaction
from tests.cases.factories import staff
from tests.factories import make_brand, post, run
from tests.respond.fakes import RecordingOutbox


def _case(session: object, text: str = "@acmehelp my parcel is lost") -> Case:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    make_brand(session)
    run(session, post("1", text, minutes=0))
    return session.scalars(select(Case)).one()


def test_a_reply_goes_out_and_appears_in_the_thread_with_its_network_id(
    settings: Settings,
) -> None:
    outbox = RecordingOutbox()
    with transaction(settings.database_url) as session:
        case = _case(session)
        ana = staff(session, "ana")
        outcome = submit_reply(
            session, case, ana, ReplyRequest("So sorry! Checking now.", "public", 0), outbox
        )
        assert outcome.status == "sent", outcome.message
        (message,) = outbox.sent
        assert message.target is not None and message.target.native_id == "1"
        thread = case_posts(session, case)
        assert [p.native_id for p in thread] == ["1", "9000000001"]
        sent = thread[-1]
        assert not sent.inbound and sent.sent_by_user_id == ana.id and sent.case_id == case.id
        assert case.status == "pending" and case.first_response_at is not None
        assert case_audit(session, case.id)[0].action in ("reply.sent", "case.updated")
        assert any(
            e.action == "reply.sent" and e.actor == "ana" for e in case_audit(session, case.id)
        )


def test_two_agents_cannot_answer_the_same_post_at_once(settings: Settings) -> None:
    outbox = RecordingOutbox()
    with transaction(settings.database_url) as session:
        case = _case(session)
        ana, ben = staff(session, "ana", display_name="Ana"), staff(session, "ben")
        version = case.reply_version
        first = submit_reply(session, case, ana, ReplyRequest("On it!", "public", version), outbox)
        second = submit_reply(
            session, case, ben, ReplyRequest("Hello, checking", "public", version), outbox
        )
        assert first.status == "sent"
        assert second.status == "refused" and "Ana replied" in second.message
        assert len(outbox.sent) == 1
        third = submit_reply(
            session, case, ben, ReplyRequest("More soon", "public", case.reply_version), outbox
        )
        assert third.status == "sent", "a fresh composer may send"


def test_the_pii_guard_refuses_the_customers_data_in_public_but_not_in_private(
    settings: Settings,
) -> None:
    outbox = RecordingOutbox()
    with transaction(settings.database_url) as session:
        case = _case(session, "@acmehelp lost parcel, call me on +1 415 555 0142")
        ana = staff(session, "ana")
        text = "We'll call +1 415 555 0142 in ten minutes"
        refused = submit_reply(session, case, ana, ReplyRequest(text, "public", 0), outbox)
        assert refused.status == "refused" and "private message" in refused.message
        assert [f.kind for f in refused.findings] == ["phone"] and refused.findings[0].customers
        assert outbox.sent == [] and case.reply_version == 0, "nothing claimed, nothing sent"
        private = submit_reply(session, case, ana, ReplyRequest(text, "private", 0), outbox)
        assert private.status == "sent" and outbox.sent[0].recipient is not None
        assert private.post is not None and private.post.direct


def test_sensitive_cases_wait_for_a_supervisor_who_may_edit_or_reject(
    settings: Settings,
) -> None:
    outbox = RecordingOutbox()
    with transaction(settings.database_url) as session:
        case = _case(session, "@acmehelp my lawyer will hear about this lost parcel")
        assert case.sensitive
        ana = staff(session, "ana")
        sam = staff(session, "sam", Role.SUPERVISOR)
        held = submit_reply(session, case, ana, ReplyRequest("We're sorry", "public", 0), outbox)
        assert held.status == "held" and outbox.sent == []
        assert held.draft is not None and "legal" in held.draft.hold_reason
        assert [d.id for d in queue(session, None)] == [held.draft.id]
        done = approve(session, held.draft, sam, outbox, text="We're very sorry, Dana.")
        assert done.status == "sent" and outbox.sent[0].text == "We're very sorry, Dana."
        assert held.draft.reviewer_user_id == sam.id and held.draft.status == "sent"
        assert queue(session, None) == []
        again = submit_reply(
            session, case, ana, ReplyRequest("Any update?", "public", case.reply_version), outbox
        )
        assert again.draft is not None
        reject(session, again.draft, sam, "Don't promise updates; offer a call.")
        assert again.draft.status == "rejected" and "offer a call" in again.draft.review_note
        actions = [e.action for e in case_audit(session, case.id)]
        assert {"reply.held", "reply.approved", "reply.sent", "reply.rejected"} <= set(actions)


def test_move_to_dm_posts_the_x_deep_link_to_the_brand(settings: Settings) -> None:
    outbox = RecordingOutbox()
    with transaction(settings.database_url) as session:
        case = _case(session)
        ana = staff(session, "ana")
        outcome = move_to_dm(session, case, ana, case.reply_version, outbox)
        assert outcome.status == "sent", outcome.message
        (message,) = outbox.sent
        assert "https://x.com/messages/compose?recipient_id=1200000000" in message.text
        assert message.target is not None and message.target.native_id == "1"


def test_a_network_failure_is_recorded_and_says_what_to_do(settings: Settings) -> None:
    outbox = RecordingOutbox(fail=True)
    with transaction(settings.database_url) as session:
        case = _case(session)
        ana = staff(session, "ana")
        outcome = submit_reply(session, case, ana, ReplyRequest("Hello", "public", 0), outbox)
        assert outcome.status == "failed" and "retry" in outcome.message
        draft = session.scalars(select(ReplyDraft)).one()
        assert draft.status == "failed" and "503" in (draft.error or "")
