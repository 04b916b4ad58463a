"""A customer's erasure: nothing of theirs is left anywhere (search, API, pages, any table),
other customers are untouched, counts stay for reports, brand walls hold, it is audited
without the erased data, and a second erasure says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from atdesk.cli import main
from atdesk.lifecycle.erase import AlreadyErased, erase_customer
from atdesk.lifecycle.scrub import ANONYMOUS_HANDLE
from atdesk.models import (
    Appointment,
    AuditEvent,
    Author,
    BusMessage,
    Callback,
    Case,
    CaseNote,
    ConversationNode,
    Customer,
    CustomerHandle,
    Post,
    SurveyResponse,
)
from atdesk.reports.facts import refresh
from atdesk.storage.session import transaction
from tests.lifecycle.helpers import add_dana, words_left
from tests.web.conftest import Workspace

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_erase_leaves_nothing_of_theirs_and_keeps_the_counts(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    with transaction(url) as session:
        dana = add_dana(session)
        assert words_left(session), "the seed puts Dana's words in the database"
        case_before = session.get(Case, dana.case_id)
        assert case_before is not None
        inbound_before = case_before.inbound_count
    with transaction(url) as session:
        erasure = erase_customer(
            session, customer_id=dana.customer_id, actor="test", brand_ids=None, now=NOW
        )
    assert erasure.removed["cases"] >= 1 and erasure.removed["posts"] >= 4
    assert erasure.removed["notes"] == 1 and erasure.removed["appointments"] == 1
    assert erasure.removed["callbacks"] == 1 and erasure.removed["survey_answers"] == 1
    with transaction(url) as session:
        assert words_left(session) == []
        assert session.get(Customer, dana.customer_id) is None
        assert session.scalars(select(CustomerHandle)).all() == []
        assert session.scalars(select(Author).where(Author.handle == "dana")).all() == []
        assert session.scalars(select(CaseNote)).all() == []
        assert session.scalars(select(Appointment)).all() == []
        case = session.get(Case, dana.case_id)
        assert case is not None and case.customer_id is None and case.anonymised_at == NOW
        assert case.inbound_count == inbound_before  # counts stay for reports
        assert case.customer_author.handle == ANONYMOUS_HANDLE
        answer = session.scalars(select(SurveyResponse)).one()
        assert (answer.score, answer.comment, answer.customer_id) == (2, "", None)
        callback = session.scalars(select(Callback)).one()
        assert (callback.customer_id, callback.author_id, callback.reason) == (None, None, "")
        # Others are untouched: Finn (Acme) and Eve (Other) keep their words and authors.
        texts = set(session.scalars(select(Post.text)))
        assert "@acmehelp app crashes on login" in texts
        assert "@otherhelp my invoice is wrong" in texts
        assert {"finn", "eve"} <= set(session.scalars(select(Author.handle)))
        nodes = set(session.scalars(select(ConversationNode.node_id)))
        assert nodes.isdisjoint({"1", "3", "9"}) and "5" in nodes  # Dana's forgotten, Finn's kept
        [kept_message] = session.scalars(select(BusMessage)).all()
        assert "finn-bus" in str(kept_message.payload)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "customer.erased")
        ).one()
        assert (event.entity_id, event.actor, event.at) == (dana.customer_id, "test", NOW)
        assert "Dana" not in str(event.after) and event.after["removed"]["notes"] == 1


def test_a_second_erasure_says_it_was_done(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    with transaction(url) as session:
        dana = add_dana(session)
    with transaction(url) as session:
        erase_customer(session, customer_id=dana.customer_id, actor="sam", brand_ids=None, now=NOW)
    with transaction(url) as session, pytest.raises(AlreadyErased) as refused:
        erase_customer(session, customer_id=dana.customer_id, actor="sam", brand_ids=None, now=NOW)
    assert f"customer {dana.customer_id} was already erased on 2026-" in str(refused.value)
    assert "by sam" in str(refused.value)


def test_the_api_erases_for_a_supervisor_of_the_brand_only(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    with transaction(url) as session:
        dana = add_dana(session)
    path = f"/api/v1/customers/{dana.customer_id}"
    olga = workspace.login("olga")  # an agent of Other: Dana is not hers to see
    assert olga.delete(path).status_code == 404
    ana = workspace.login("ana")  # Acme's agent sees Dana but may not erase
    refused = ana.delete(path)
    assert refused.status_code == 403 and "supervisors and admins" in refused.json()["detail"]
    sam = workspace.login("sam")
    assert sam.get("/api/v1/cases", params={"q": "parcel"}).json()["total"] == 1
    erased = sam.delete(path)
    assert erased.status_code == 200, erased.text
    assert erased.json()["removed"]["appointments"] == 1
    assert sam.get(path).status_code == 404
    for query in ("parcel", "refund", "@dana", "kiwi"):
        assert sam.get("/api/v1/cases", params={"q": query}).json()["total"] == 0, query
    assert sam.get("/api/v1/cases", params={"q": "crashes"}).json()["total"] == 1
    page = sam.get(f"/cases/{dana.case_id}")
    assert page.status_code == 200
    assert "parcel" not in page.text and "Dana Reyes" not in page.text
    assert "erased at the customer" in page.text
    inbox = sam.get("/")
    assert inbox.status_code == 200 and "parcel" not in inbox.text
    assert refresh(url).computed >= 1  # the facts refresh recomputes the anonymised case
    again = sam.delete(path)
    assert again.status_code == 410 and "already erased" in again.json()["detail"]
    assert olga.delete(path).status_code == 404  # not even that it was erased
    with transaction(url) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "customer.erased")
        ).one()
        assert event.actor == "sam" and event.actor_user_id is not None


def test_a_supervisor_may_not_erase_a_customer_other_brands_hold(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    with transaction(url) as session:
        dana = add_dana(session)
        from tests.factories import post, run

        run(session, post("o1", "@otherhelp parcel again", minutes=70))  # Dana writes to Other
    refused = workspace.login("sam").delete(f"/api/v1/customers/{dana.customer_id}")
    assert refused.status_code == 403 and "ask an admin" in refused.json()["detail"]
    with transaction(url) as session:
        assert session.get(Customer, dana.customer_id) is not None
    assert (
        workspace.login("root").delete(f"/api/v1/customers/{dana.customer_id}").status_code == 200
    )
    with transaction(url) as session:
        assert words_left(session) == []


def test_the_privacy_page_erases_after_the_id_is_typed_twice(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    with transaction(url) as session:
        dana = add_dana(session)
    sam = workspace.login("sam")
    assert 'data-testid="nav-privacy"' in sam.get("/").text  # a supervisor finds it in the bar
    assert 'data-testid="nav-privacy"' not in workspace.login("ana").get("/").text
    assert 'data-testid="erase"' in sam.get("/privacy").text
    form = {"customer_id": str(dana.customer_id), "confirm": "1234567"}
    sam.post("/privacy/erase", data=form)
    assert "type the customer" in sam.get("/privacy").text
    with transaction(url) as session:
        assert session.get(Customer, dana.customer_id) is not None
    sam.post("/privacy/erase", data={**form, "confirm": str(dana.customer_id)})
    assert f"Customer {dana.customer_id} erased" in sam.get("/privacy").text
    with transaction(url) as session:
        assert session.get(Customer, dana.customer_id) is None
    assert 'data-testid="erase"' not in workspace.login("ana").get("/privacy").text


def test_the_command_confirms_and_prints_what_it_removed(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = workspace.settings.database_url
    with transaction(url) as session:
        dana = add_dana(session)
    monkeypatch.setenv("ATDESK_DATABASE_URL", url)
    runner = CliRunner()
    kept = runner.invoke(main, ["customers", "erase", str(dana.customer_id)], input="n\n")
    assert kept.exit_code == 1 and "Erase customer" in kept.output and "Dana Reyes" in kept.output
    with transaction(url) as session:
        assert session.get(Customer, dana.customer_id) is not None
    done = runner.invoke(main, ["customers", "erase", str(dana.customer_id)], input="y\n")
    assert done.exit_code == 0, done.output
    assert f"erased customer {dana.customer_id}" in done.output
    assert "notes: 1" in done.output and "appointments: 1" in done.output
    again = runner.invoke(main, ["customers", "erase", str(dana.customer_id), "--yes"])
    assert again.exit_code == 1 and "already erased" in again.output
    missing = runner.invoke(main, ["customers", "erase", "999999", "--yes"])
    assert missing.exit_code == 1 and "no customer 999999" in missing.output
