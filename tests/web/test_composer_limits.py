"""The composer's Send button as the server renders it, and the server's own refusal of a draft
over the network's limit: a clear message with the count, the text kept, nothing sent."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from atdesk.models import ReplyDraft
from atdesk.storage.session import transaction
from tests.web.conftest import Workspace
from tests.web.test_case_page import dana_case, version_of


def send_button(page: str) -> str:
    """The Send button's tag."""
    match = re.search(r'<button[^>]*data-testid="send"[^>]*>', page)
    assert match, "the composer has a Send button"
    return match.group(0)


def test_send_starts_disabled_on_an_empty_composer(workspace: Workspace) -> None:
    case = dana_case(workspace)
    page = workspace.login("ana").get(f"/cases/{case.id}").text
    assert "disabled" in send_button(page)
    assert re.search(r'data-testid="send-hint"\s+hidden', page), "no hint while empty"


def test_the_server_refuses_a_reply_over_the_limit_clearly_and_keeps_it(
    workspace: Workspace,
) -> None:
    case = dana_case(workspace)
    ana = workspace.login("ana")
    version = version_of(ana.get(f"/cases/{case.id}").text)
    text = "We are on it. " + "x" * 276  # 290 on X's count
    measured = ana.post(
        "/compose/measure", data={"case_id": case.id, "text": text, "mode": "public"}
    ).json()
    assert (measured["length"], measured["limit"], measured["valid"]) == (290, 280, False)

    refused = ana.post(
        f"/cases/{case.id}/reply", data={"text": text, "mode": "public", "version": version}
    )
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert (
        "Too long to send: 290 of 280 (X · weighted length, URLs count 23). "
        "Shorten it by 10 and send again." in page
    )
    assert f">{text}</textarea>" in page, "the text is kept"
    assert "disabled" in send_button(refused.text), "Send stays off until it fits"
    assert "10 over the limit: shorten it to send" in page
    assert workspace.outbox.sent == []
    with transaction(workspace.settings.database_url) as session:
        assert session.scalar(select(func.count()).select_from(ReplyDraft)) == 0

    private = ana.post(
        f"/cases/{case.id}/reply", data={"text": text, "mode": "private", "version": version}
    )
    assert private.status_code == 303, "an X direct message takes 10,000 characters"
    assert len(workspace.outbox.sent) == 1


def test_a_draft_refused_for_another_reason_keeps_send_on(workspace: Workspace) -> None:
    case = dana_case(workspace)
    ana = workspace.login("ana")
    version = version_of(ana.get(f"/cases/{case.id}").text)
    refused = ana.post(
        f"/cases/{case.id}/reply",
        data={"text": "We will call you on 415-555-0142", "mode": "public", "version": version},
    )
    assert refused.status_code == 422
    assert "disabled" not in send_button(refused.text)
