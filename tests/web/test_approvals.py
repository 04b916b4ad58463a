"""Approval workflow in the UI: held public replies, the supervisor's queue, edit, approve, reject."""

from __future__ import annotations

import re

from sqlalchemy import select

from atdesk.models import Case, ReplyDraft
from atdesk.storage.session import transaction
from tests.factories import post, run
from tests.web.conftest import Workspace


def sensitive_case(workspace: Workspace) -> int:
    with transaction(workspace.settings.database_url) as session:
        run(
            session,
            post("9", "@acmehelp my lawyer will sue you over this", author="90", handle="gus"),
        )
        case = session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert case is not None and case.sensitive
        return case.id


def test_a_held_reply_is_approved_after_an_edit(workspace: Workspace) -> None:
    case_id = sensitive_case(workspace)
    ana, sam = workspace.login("ana"), workspace.login("sam")
    page = ana.get(f"/cases/{case_id}").text
    assert "public replies need approval" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    held = ana.post(
        f"/cases/{case_id}/reply",
        data={"text": "We hear you", "mode": "public", "version": version},
    )
    assert held.status_code == 303 and workspace.outbox.sent == []
    assert "waiting for approval" in ana.get(f"/cases/{case_id}").text
    assert ana.get("/approvals").status_code == 403
    queue = sam.get("/approvals").text
    assert "We hear you" in queue and "legal or safety words" in queue
    draft_id = re.search(r'data-draft-id="(\d+)"', queue).group(1)  # type: ignore[union-attr]
    sam.post(
        f"/approvals/{draft_id}/approve", data={"text": "We hear you, Gus. A manager will call."}
    )
    (message,) = workspace.outbox.sent
    assert message.text == "We hear you, Gus. A manager will call."
    after = ana.get(f"/cases/{case_id}").text
    assert "reply.approved" in after and "A manager will call." in after
    assert "We hear you" not in sam.get("/approvals").text.split("Your recent decisions")[0]


def test_a_rejected_reply_shows_the_supervisors_note_to_the_agent(workspace: Workspace) -> None:
    case_id = sensitive_case(workspace)
    ana, sam = workspace.login("ana"), workspace.login("sam")
    version = re.search(r'name="version" value="(\d+)"', ana.get(f"/cases/{case_id}").text).group(1)  # type: ignore[union-attr]
    ana.post(
        f"/cases/{case_id}/reply", data={"text": "Calm down", "mode": "public", "version": version}
    )
    with transaction(workspace.settings.database_url) as session:
        draft = session.scalars(select(ReplyDraft)).one()
    sam.post(
        f"/approvals/{draft.id}/reject", data={"note": "Too curt. Apologise and offer a call."}
    )
    page = ana.get(f"/cases/{case_id}").text
    assert "rejected" in page and "Too curt. Apologise and offer a call." in page
    assert workspace.outbox.sent == []
