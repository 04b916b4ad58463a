"""The case page: the whole conversation, the customer, clocks, audit, and the composer's rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from atdesk.models import Author, Case, Customer, Post, TriageCorrection
from atdesk.storage.session import transaction
from tests.factories import brand_reply, post, run
from tests.respond.test_limits import conformance_cases
from tests.web.conftest import Workspace


def dana_case(workspace: Workspace) -> Case:
    with transaction(workspace.settings.database_url) as session:
        author = session.scalars(select(Author).where(Author.handle == "dana")).one()
        return session.scalars(select(Case).where(Case.customer_author_id == author.id)).one()


def version_of(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match
    return match.group(1)


def test_the_case_shows_public_and_private_posts_in_time_order_with_the_customer(
    workspace: Workspace,
) -> None:
    case = dana_case(workspace)
    with transaction(workspace.settings.database_url) as session:
        customer = Customer(external_id="CRM-77", name="Dana Rivera", email="dana@example.com")
        session.add(customer)
        session.flush()
        session.scalars(
            select(Author).where(Author.handle == "dana")
        ).one().customer_id = customer.id
        run(session, post("6", "order 5566778899 please", minutes=40, to="acmehelp", direct=True))
    page = workspace.login("ana").get(f"/cases/{case.id}").text
    order = [
        page.index(t) for t in ("parcel is lost", "DM us the order", "refund me", "5566778899")
    ]
    assert order == sorted(order), "public replies and DMs threaded together in time order"
    assert page.count('class="pill dm">private') == 1
    assert "Dana Rivera" in page and "CRM-77" in page and "dana@example.com" in page
    assert "X 1" in page, "each post shows its network id"
    assert "case.opened" in page, "the audit log is on the page"


def test_case_actions_change_the_case_and_land_in_its_audit_log(workspace: Workspace) -> None:
    case = dana_case(workspace)
    ana = workspace.login("ana")
    for path, data in (
        ("assign", {"assignee_id": "me"}),
        ("priority", {"value": "urgent"}),
        ("tags", {"tags": "refund"}),
        ("escalate", {"on": "1"}),
        ("notes", {"body": "She called the shop as well"}),
    ):
        assert ana.post(f"/cases/{case.id}/{path}", data=data).status_code == 303
    page = ana.get(f"/cases/{case.id}").text
    for action in ("case.assigned", "case.priority", "case.tagged", "case.escalated", "case.note"):
        assert action in page
    assert "She called the shop as well" in page and "#refund" in page
    with transaction(workspace.settings.database_url) as session:
        fresh = session.get(Case, case.id)
        assert fresh is not None and fresh.priority == "urgent" and fresh.escalated
        assert fresh.assignee_id is not None


def test_triage_corrections_are_saved_for_training(workspace: Workspace) -> None:
    case = dana_case(workspace)
    with transaction(workspace.settings.database_url) as session:
        first = session.scalars(select(Post).where(Post.native_id == "1")).one()
    ana = workspace.login("ana")
    ana.post(f"/posts/{first.id}/triage", data={"choice": "sentiment:positive"})
    with transaction(workspace.settings.database_url) as session:
        saved = session.scalars(select(TriageCorrection)).one()
        assert (saved.field, saved.after, saved.case_id) == ("sentiment", "positive", case.id)
    assert "triage.corrected" in ana.get(f"/cases/{case.id}").text


def test_a_reply_is_sent_and_appears_with_its_network_id(workspace: Workspace) -> None:
    case = dana_case(workspace)
    ana = workspace.login("ana")
    page = ana.get(f"/cases/{case.id}").text
    sent = ana.post(
        f"/cases/{case.id}/reply",
        data={"text": "Refund is on its way!", "mode": "public", "version": version_of(page)},
    )
    assert sent.status_code == 303
    (message,) = workspace.outbox.sent
    assert message.target is not None and message.target.native_id == "3"
    after = ana.get(f"/cases/{case.id}").text
    assert "Refund is on its way!" in after and "9000000001" in after
    assert "reply.sent" in after


def test_the_pii_guard_refuses_and_keeps_the_draft(workspace: Workspace) -> None:
    case = dana_case(workspace)
    ana = workspace.login("ana")
    version = version_of(ana.get(f"/cases/{case.id}").text)
    text = "We will call you on 415-555-0142"
    refused = ana.post(
        f"/cases/{case.id}/reply", data={"text": text, "mode": "public", "version": version}
    )
    assert refused.status_code == 422
    assert text in refused.text and "private message" in refused.text
    assert workspace.outbox.sent == []
    measured = ana.post(
        "/compose/measure", data={"case_id": case.id, "text": text, "mode": "public"}
    ).json()
    assert measured["pii"] == [{"kind": "phone", "value": "415-555-0142", "customers": True}]
    private = ana.post(
        f"/cases/{case.id}/reply", data={"text": text, "mode": "private", "version": version}
    )
    assert private.status_code == 303 and workspace.outbox.sent[0].recipient is not None


def test_a_second_agent_with_a_stale_composer_is_stopped(workspace: Workspace) -> None:
    case = dana_case(workspace)
    ana, sam = workspace.login("ana"), workspace.login("sam")
    version = version_of(ana.get(f"/cases/{case.id}").text)
    assert version == version_of(sam.get(f"/cases/{case.id}").text)
    first = ana.post(
        f"/cases/{case.id}/reply", data={"text": "On it", "mode": "public", "version": version}
    )
    second = sam.post(
        f"/cases/{case.id}/reply", data={"text": "Hello!", "mode": "public", "version": version}
    )
    assert first.status_code == 303 and second.status_code == 409
    assert "Ana replied to this case while you were writing" in second.text
    assert "Hello!" in second.text, "Sam's text is kept"
    assert len(workspace.outbox.sent) == 1


def test_move_to_dm_posts_the_deep_link(workspace: Workspace) -> None:
    case = dana_case(workspace)
    ana = workspace.login("ana")
    version = version_of(ana.get(f"/cases/{case.id}").text)
    moved = ana.post(f"/cases/{case.id}/move-to-dm", data={"version": version})
    assert moved.status_code == 303 and "mode=private" in moved.headers["location"]
    (message,) = workspace.outbox.sent
    assert "https://x.com/messages/compose?recipient_id=1200000000" in message.text


@pytest.mark.data
def test_the_live_counter_endpoint_passes_the_conformance_cases(
    workspace: Workspace, data_dir: Path
) -> None:
    case = dana_case(workspace)
    ana = workspace.login("ana")
    for item in conformance_cases(data_dir):
        got = ana.post(
            "/compose/measure", data={"case_id": case.id, "text": item["text"], "mode": "public"}
        ).json()
        expected = item["expected"]
        assert (got["length"], got["valid"]) == (expected["weightedLength"], expected["valid"])


def test_suggested_replies_arrive_after_the_page(workspace: Workspace) -> None:
    case = dana_case(workspace)
    with transaction(workspace.settings.database_url) as session:
        run(
            session,
            post("40", "@acmehelp my parcel is lost again", author="46", handle="gil", minutes=1),
            brand_reply(
                "41", "@gil So sorry! A courier will call today.", minutes=3, in_reply_to="40"
            ),
        )
    ana = workspace.login("ana")
    html = ana.get(f"/cases/{case.id}/suggestions").text
    assert "A courier will call today." in html, "Acme's answer to another lost parcel"
    assert ana.get(f"/cases/{case.id}").text.count('data-url="/cases/') == 1
